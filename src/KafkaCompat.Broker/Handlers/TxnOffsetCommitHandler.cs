using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
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
/// carry no member, so any commit to a live group is accepted. v4 allows TRANSACTION_ABORTABLE; v0-4
/// commits are not yet verified against the transaction coordinator (KIP-890 part 1 for offsets).
/// v5 is a producer of transaction version 2 (KIP-890 part 2), which sends no AddOffsetsToTxn: the
/// group's <c>__consumer_offsets</c> partition is added to its transaction here first (Kafka's
/// ADD_PARTITION operation), and a refused add fails every partition of the request with the
/// coordinator's error as Kafka's group coordinator reports it.
/// </summary>
public sealed class TxnOffsetCommitHandler(GroupCoordinator coordinator, TransactionCoordinator transactions, TimeProvider time) : ApiHandler<TxnOffsetCommitRequestData, TxnOffsetCommitResponseData>
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
        if (context.ApiVersion >= FirstImplicitAddVersion)
        {
            var offsetsPartition = new TopicPartition(TopicNames.ConsumerOffsets, coordinator.PartitionFor(request.GroupId));
            var added = await transactions.AddPartitionsAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, [offsetsPartition], TransactionMetadata.TransactionVersion2);
            if (added != ErrorCode.None)
            {
                return ErrorResponse(request, context.ApiVersion, ForImplicitAdd(added), "");
            }
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var entries = request.Topics
            .SelectMany(t => t.Partitions.Select(p => new OffsetCommitEntry(t.Name, p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, p.CommittedMetadata, now, null)))
            .ToList();
        var errors = await coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitParams(
            request.GroupId, request.ProducerId, request.ProducerEpoch, request.GenerationId, request.MemberId, request.GroupInstanceId, entries));
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

    /// <summary>
    /// A coordinator error of the implicit add as a TxnOffsetCommit answers it: Kafka's partition leader
    /// maps it as for a produce (PRODUCER_FENCED to INVALID_PRODUCER_EPOCH, retriable coordinator states
    /// to NOT_ENOUGH_REPLICAS), and the group coordinator then reports NOT_ENOUGH_REPLICAS as
    /// COORDINATOR_NOT_AVAILABLE, which a producer retries.
    /// </summary>
    private static ErrorCode ForImplicitAdd(ErrorCode coordinatorError)
    {
        var error = VerificationErrors.ForProduce(coordinatorError, ProduceHandler.FirstImplicitAddVersion).Error;
        return error == ErrorCode.NotEnoughReplicas ? ErrorCode.CoordinatorNotAvailable : error;
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
