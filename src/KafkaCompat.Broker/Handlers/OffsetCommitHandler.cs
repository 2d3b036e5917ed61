using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// OffsetCommit (key 8), versions 0-10.
/// Commits are records in <c>__consumer_offsets</c>. A member's commit must carry its current
/// generation and member id (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS while the
/// group completes a rebalance); generation -1 on an empty or unknown group is a simple commit (admin
/// tools resetting offsets, group-less consumers). v0 has no generation or member; v1 carries a
/// commit timestamp per partition; v2-4 a retention time (kept as the offset's expire timestamp);
/// v6+ the leader epoch (KIP-320); v7+ group.instance.id (KIP-345); v9+ carries a consumer-group
/// member's epoch (KIP-848): such a member committing below v9 is UNSUPPORTED_VERSION, and a commit with a
/// generation to a group that does not exist is GROUP_ID_NOT_FOUND (ILLEGAL_GENERATION below v9); v10 names topics by id (KIP-848
/// follow-up, Kafka 4.2): an id this cluster does not know is UNKNOWN_TOPIC_ID for its partitions, and
/// the answer names topics by id too. Offsets are still kept by topic name, as Kafka keeps them.
/// </summary>
public sealed class OffsetCommitHandler(GroupCoordinator coordinator, MetadataController metadata, TimeProvider time) : ApiHandler<OffsetCommitRequestData, OffsetCommitResponseData>
{
    public override ApiKey ApiKey => ApiKey.OffsetCommit;

    public override VersionRange Versions => new(0, 10);

    protected override async ValueTask<OffsetCommitResponseData?> HandleAsync(RequestContext context, OffsetCommitRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long? expire = version is >= 2 and <= 4 && request.RetentionTimeMs >= 0 ? now + request.RetentionTimeMs : null;
        var entries = new List<OffsetCommitEntry>();
        var names = TopicsById.Names(request.Topics.Select(t => (t.Name, t.TopicId)), version >= 10, metadata.Image);
        foreach (var (topic, name) in request.Topics.Zip(names))
        {
            if (name is null)
            {
                continue;
            }
            foreach (var p in topic.Partitions)
            {
                var commitTimestamp = version == 1 && p.CommitTimestamp >= 0 ? p.CommitTimestamp : now;
                entries.Add(new OffsetCommitEntry(name, p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, p.CommittedMetadata, commitTimestamp, expire));
            }
        }
        var generation = version == 0 ? -1 : request.GenerationIdOrMemberEpoch;
        var errors = await coordinator.CommitOffsetsAsync(new OffsetCommitParams(request.GroupId, generation, request.MemberId, request.GroupInstanceId, entries, version));
        var response = new OffsetCommitResponseData();
        var i = 0;
        foreach (var (topic, name) in request.Topics.Zip(names))
        {
            var topicResponse = new OffsetCommitResponseData.OffsetCommitResponseTopic { Name = topic.Name, TopicId = topic.TopicId };
            foreach (var p in topic.Partitions)
            {
                var error = name is null ? ErrorCode.UnknownTopicId : errors[i++];
                topicResponse.Partitions.Add(new OffsetCommitResponseData.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            }
            response.Topics.Add(topicResponse);
        }
        return response;
    }

    protected override OffsetCommitResponseData ErrorResponse(OffsetCommitRequestData request, short version, ErrorCode error, string message)
    {
        var response = new OffsetCommitResponseData();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new OffsetCommitResponseData.OffsetCommitResponseTopic { Name = topic.Name, TopicId = topic.TopicId };
            foreach (var p in topic.Partitions)
            {
                topicResponse.Partitions.Add(new OffsetCommitResponseData.OffsetCommitResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error });
            }
            response.Topics.Add(topicResponse);
        }
        return response;
    }
}
