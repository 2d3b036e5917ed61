using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// OffsetDelete (key 47), version 0 (KIP-496).
/// Removes committed offsets with tombstones. An empty group loses any of them; a consumer group
/// with members only those of topics none of its members subscribes to (GROUP_SUBSCRIBED_TO_TOPIC
/// for the rest, read from the members' ConsumerProtocolSubscription); any other non-empty group
/// answers NON_EMPTY_GROUP.
/// </summary>
public sealed class OffsetDeleteHandler(GroupCoordinator coordinator) : ApiHandler<OffsetDeleteRequestData, OffsetDeleteResponseData>
{
    public override ApiKey ApiKey => ApiKey.OffsetDelete;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<OffsetDeleteResponseData?> HandleAsync(RequestContext context, OffsetDeleteRequestData request, CancellationToken cancellationToken)
    {
        var partitions = request.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p.PartitionIndex))).ToList();
        var result = await coordinator.DeleteOffsetsAsync(request.GroupId, partitions);
        var response = new OffsetDeleteResponseData { ErrorCode = (short)result.Error };
        foreach (var byTopic in result.Partitions.GroupBy(p => p.Topic))
        {
            var topic = new OffsetDeleteResponseData.OffsetDeleteResponseTopic { Name = byTopic.Key };
            foreach (var (_, partition, error) in byTopic)
            {
                topic.Partitions.Add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition { PartitionIndex = partition, ErrorCode = (short)error });
            }
            response.Topics.Add(topic);
        }
        return response;
    }

    protected override OffsetDeleteResponseData ErrorResponse(OffsetDeleteRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
