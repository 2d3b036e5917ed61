using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// OffsetFetch (key 9), versions 0-9.
/// Partitions without a committed offset answer offset -1 and metadata "". v2+ may ask for every
/// committed offset of the group (null topics) and has a group-level error (v0-1 get it per
/// partition); v5+ answers the leader epoch (KIP-320); v7+ has require_stable (KIP-447: nothing is
/// pending without transactions, so every offset is stable); v8+ asks for several groups at once
/// (KIP-709); v9+ names the member (KIP-848 consumer groups, not used by classic groups).
/// </summary>
public sealed class OffsetFetchHandler(GroupCoordinator coordinator) : ApiHandler<OffsetFetchRequestData, OffsetFetchResponseData>
{
    public override ApiKey ApiKey => ApiKey.OffsetFetch;

    public override VersionRange Versions => new(0, 9);

    protected override async ValueTask<OffsetFetchResponseData?> HandleAsync(RequestContext context, OffsetFetchRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var response = new OffsetFetchResponseData();
        if (version >= 8)
        {
            foreach (var group in request.Groups)
            {
                var topics = group.Topics?.Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList();
                var result = await coordinator.FetchOffsetsAsync(group.GroupId, topics);
                var groupResponse = new OffsetFetchResponseData.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)result.Error };
                foreach (var byTopic in result.Offsets.GroupBy(o => o.Topic))
                {
                    var topicResponse = new OffsetFetchResponseData.OffsetFetchResponseTopics { Name = byTopic.Key };
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
                response.Groups.Add(groupResponse);
            }
            return response;
        }

        var requested = version >= 2 && request.Topics is null
            ? null
            : (request.Topics ?? []).Select(t => (t.Name, (IReadOnlyList<int>)t.PartitionIndexes)).ToList();
        var fetched = await coordinator.FetchOffsetsAsync(request.GroupId, requested);
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
