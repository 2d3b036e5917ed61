using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// TxnOffsetCommit (key 28), versions 0-5.
/// A transactional producer's consumed offsets (sendOffsetsToTransaction, KIP-98): written to the
/// group's <c>__consumer_offsets</c> partition as a transactional batch of the request's producer id
/// and epoch, invisible to OffsetFetch until the transaction's COMMIT marker reaches that partition
/// and dropped by its ABORT marker. An empty group id is INVALID_GROUP_ID; a fenced producer epoch
/// INVALID_PRODUCER_EPOCH. v2 adds the leader epoch (KIP-320); v3 the member id, generation and
/// group.instance.id (KIP-447), checked as for OffsetCommit (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
/// FENCED_INSTANCE_ID) except that a group completing a rebalance accepts the commit; older versions
/// carry no member, so any commit to a live group is accepted. v4 allows TRANSACTION_ABORTABLE.
/// With transaction.partition.verification.enable on (KIP-890 part 1), a commit that would open the
/// transaction on the group's <c>__consumer_offsets</c> partition first asks the transaction
/// coordinator whether that partition is in the producer's ongoing transaction (AddOffsetsToTxn put
/// it there), as Kafka's group coordinator does through its partition writer; if not, every partition
/// of the request is refused (INVALID_TXN_STATE, or the coordinator's error as each version's
/// producers handle it, <see cref="VerificationErrors.ForTxnOffsetCommit"/>) and nothing is written.
/// The append then carries the partition's verification guard, so a marker ending the transaction
/// meanwhile makes it fail instead of opening a transaction nobody would end.
/// v5 is a producer of transaction version 2 (KIP-890 part 2), which sends no AddOffsetsToTxn: the
/// group's <c>__consumer_offsets</c> partition is added to its transaction here instead (Kafka's
/// ADD_PARTITION operation), whatever the verification config says.
/// </summary>
public sealed class TxnOffsetCommitHandler(GroupCoordinator coordinator, TransactionCoordinator transactions, ReplicaManager replicas, BrokerState broker, TimeProvider time) : ApiHandler<TxnOffsetCommitRequestData, TxnOffsetCommitResponseData>
{
    /// <summary>The first version whose producer is of transaction version 2.</summary>
    public const short FirstImplicitAddVersion = 5;

    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<TxnOffsetCommitResponseData?> HandleAsync(RequestContext context, TxnOffsetCommitRequestData request, CancellationToken cancellationToken)
    {
        if (request.GroupId.Length == 0)
        {
            return ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidGroupId, "");
        }
        var version = context.ApiVersion;
        TransactionVerificationGuard? verification = null;
        if (version >= FirstImplicitAddVersion || broker.Config.GetBool("transaction.partition.verification.enable"))
        {
            var offsetsPartition = new TopicPartition(TopicNames.ConsumerOffsets, coordinator.PartitionFor(request.GroupId));
            // Null: the producer's transaction is already open on the partition, nothing to verify.
            // No partition yet (the group coordinator creates the topic): verified, appended unguarded.
            var partition = replicas.GetPartition(offsetsPartition.Topic, offsetsPartition.Partition);
            verification = partition?.MaybeStartTransactionVerification(request.ProducerId, request.ProducerEpoch);
            if (partition is null || verification is not null)
            {
                var verified = await transactions.VerifyOrAddPartitionsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, [offsetsPartition],
                    add: version >= FirstImplicitAddVersion);
                if (verified[offsetsPartition] is var error && error != ErrorCode.None)
                {
                    return ErrorResponse(request, version, VerificationErrors.ForTxnOffsetCommit(error, version), "");
                }
            }
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var entries = request.Topics
            .SelectMany(t => t.Partitions.Select(p => new OffsetCommitEntry(t.Name, p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, p.CommittedMetadata, now, null)))
            .ToList();
        var errors = await coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitParams(
            request.GroupId, request.ProducerId, request.ProducerEpoch, request.GenerationId, request.MemberId, request.GroupInstanceId, entries, verification));
        var response = new TxnOffsetCommitResponseData();
        var i = 0;
        foreach (var topic in request.Topics)
        {
            var topicResponse = new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic { Name = topic.Name };
            foreach (var p in topic.Partitions)
            {
                topicResponse.Partitions.Add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)errors[i++] });
            }
            response.Topics.Add(topicResponse);
        }
        return response;
    }

    protected override TxnOffsetCommitResponseData ErrorResponse(TxnOffsetCommitRequestData request, short version, ErrorCode error, string message)
    {
        var response = new TxnOffsetCommitResponseData();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic { Name = topic.Name };
            foreach (var p in topic.Partitions)
            {
                topicResponse.Partitions.Add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            }
            response.Topics.Add(topicResponse);
        }
        return response;
    }
}
