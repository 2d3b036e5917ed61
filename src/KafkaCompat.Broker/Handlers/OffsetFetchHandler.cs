using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// OffsetFetch (key 9), versions 0-10.
/// Partitions without a committed offset answer offset -1 and metadata "". v2+ may ask for every
/// committed offset of the group (null topics) and has a group-level error (v0-1 get it per
/// partition); v5+ answers the leader epoch (KIP-320); v7+ has require_stable (KIP-447): a partition with
/// offsets pending in an open transaction answers UNSTABLE_OFFSET_COMMIT (per partition, offset -1),
/// which consumers retry; without it the last committed offset is answered; v8+ asks for several groups at once
/// (KIP-709); v9+ names the member (KIP-848 consumer groups, not used by classic groups); v10 names
/// topics by id (Kafka 4.2): an unknown id answers UNKNOWN_TOPIC_ID for its partitions, and asked for
/// every offset, topics that no longer exist (no id to name them by) are left out.
/// </summary>
public sealed class OffsetFetchHandler(GroupCoordinator coordinator, MetadataController metadata) : ApiHandler<OffsetFetchRequestData, OffsetFetchResponseData>
{
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    public override VersionRange Versions => new(0, 10);

    protected override async ValueTask<OffsetFetchResponseData?> HandleAsync(RequestContext context, OffsetFetchRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var response = new OffsetFetchResponseData();
        if (version >= 8)
        {
            var byId = version >= 10;
            var image = metadata.Image;
            foreach (var group in request.Groups)
            {
                var names = group.Topics is null ? [] : TopicsById.Names(group.Topics.Select(t => (t.Name, t.TopicId)), byId, image);
                var topics = group.Topics?.Zip(names).Where(t => t.Second is not null).Select(t => (t.Second!, (IReadOnlyList<int>)t.First.PartitionIndexes)).ToList();
                var result = await coordinator.FetchOffsetsAsync(group.GroupId, topics, request.RequireStable, group.MemberId, group.MemberEpoch);
                var groupResponse = new OffsetFetchResponseData.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)result.Error };
                foreach (var byTopic in result.Offsets.GroupBy(o => o.Topic))
                {
                    var id = image.Topic(byTopic.Key)?.Id;
                    if (byId && id is null)
                    {
                        continue;
                    }
                    var topicResponse = new OffsetFetchResponseData.OffsetFetchResponseTopics { Name = byId ? "" : byTopic.Key, TopicId = byId ? id!.Value : Uuid.Zero };
                    foreach (var o in byTopic)
                    {
                        topicResponse.Partitions.Add(new OffsetFetchResponseData.OffsetFetchResponsePartitions
                        {
                            PartitionIndex = o.Partition,
                            CommittedOffset = o.Offset,
                            CommittedLeaderEpoch = o.LeaderEpoch,
                            Metadata = o.Metadata,
                            ErrorCode = (short)o.Error,
                        });
                    }
                    groupResponse.Topics.Add(topicResponse);
                }
                if (result.Error == ErrorCode.None)
                {
                    foreach (var (topic, _) in (group.Topics ?? []).Zip(names).Where(t => t.Second is null))
                    {
                        groupResponse.Topics.Add(UnknownTopicId(topic));
                    }
                }
                response.Groups.Add(groupResponse);
            }
            return response;
        }

        var requested = version >= 2 && request.Topics is null
            ? null
            : (request.Topics ?? []).Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList();
        var fetched = await coordinator.FetchOffsetsAsync(request.GroupId, requested, version >= 7 && request.RequireStable);
        if (fetched.Error != ErrorCode.None)
        {
            return ErrorResponse(request, version, fetched.Error, "");
        }
        foreach (var byTopic in fetched.Offsets.GroupBy(o => o.Topic))
        {
            var topicResponse = new OffsetFetchResponseData.OffsetFetchResponseTopic { Name = byTopic.Key };
            foreach (var o in byTopic)
            {
                topicResponse.Partitions.Add(new OffsetFetchResponseData.OffsetFetchResponsePartition
                {
                    PartitionIndex = o.Partition,
                    CommittedOffset = o.Offset,
                    CommittedLeaderEpoch = version >= 5 ? o.LeaderEpoch : -1,
                    Metadata = o.Metadata,
                    ErrorCode = (short)o.Error,
                });
            }
            response.Topics.Add(topicResponse);
        }
        return response;
    }

    private static OffsetFetchResponseData.OffsetFetchResponseTopics UnknownTopicId(OffsetFetchRequestData.OffsetFetchRequestTopics topic)
    {
        var answer = new OffsetFetchResponseData.OffsetFetchResponseTopics { TopicId = topic.TopicId };
        answer.Partitions.AddRange(topic.PartitionIndexes.Select(p => new OffsetFetchResponseData.OffsetFetchResponsePartitions
        {
            PartitionIndex = p, CommittedOffset = -1, Metadata = "", ErrorCode = (short)ErrorCode.UnknownTopicId,
        }));
        return answer;
    }

    protected override OffsetFetchResponseData ErrorResponse(OffsetFetchRequestData request, short version, ErrorCode error, string message)
    {
        var response = new OffsetFetchResponseData();
        if (version >= 8)
        {
            foreach (var group in request.Groups)
            {
                response.Groups.Add(new OffsetFetchResponseData.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)error });
            }
            return response;
        }
        if (version >= 2)
        {
            response.ErrorCode = (short)error;
            return response;
        }
        // v0-1 have no group-level error: every requested partition carries it.
        foreach (var topic in request.Topics ?? [])
        {
            var topicResponse = new OffsetFetchResponseData.OffsetFetchResponseTopic { Name = topic.Name };
            foreach (var partition in topic.PartitionIndexes)
            {
                topicResponse.Partitions.Add(new OffsetFetchResponseData.OffsetFetchResponsePartition { PartitionIndex = partition, CommittedOffset = -1, Metadata = "", ErrorCode = (short)error });
            }
            response.Topics.Add(topicResponse);
        }
        return response;
    }
}
