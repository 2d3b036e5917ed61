using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

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
/// carry no member, so any commit to a live group is accepted. v4 allows TRANSACTION_ABORTABLE and v5
/// is KIP-890 part 2; neither error path arises here yet, because the broker does not yet verify the
/// commit against the transaction coordinator (KIP-890 verification).
/// </summary>
public sealed class TxnOffsetCommitHandler(GroupCoordinator coordinator, TimeProvider time) : ApiHandler<TxnOffsetCommitRequestData, TxnOffsetCommitResponseData>
{
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<TxnOffsetCommitResponseData?> HandleAsync(RequestContext context, TxnOffsetCommitRequestData request, CancellationToken cancellationToken)
    {
        if (request.GroupId.Length == 0)
        {
            return ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidGroupId, "");
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
