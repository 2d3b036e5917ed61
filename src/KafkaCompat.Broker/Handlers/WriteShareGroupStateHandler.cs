using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// WriteShareGroupState (key 85), versions 0-1 (KIP-932): a share-partition leader persists the
/// state batches that changed and its start offset. v1 adds the delivery-complete count (KIP-1226,
/// Kafka 4.2; -1 when a v0 writer does not say). Older leader or state epochs are fenced.
/// </summary>
public sealed class WriteShareGroupStateHandler(ShareCoordinator coordinator) : ApiHandler<WriteShareGroupStateRequestData, WriteShareGroupStateResponseData>
{
    public override ApiKey ApiKey => ApiKey.WriteShareGroupState;

    public override VersionRange Versions => new(0, 1);

    protected override async ValueTask<WriteShareGroupStateResponseData?> HandleAsync(RequestContext context, WriteShareGroupStateRequestData request, CancellationToken cancellationToken) =>
        await coordinator.WriteStateAsync(request, cancellationToken);

    protected override WriteShareGroupStateResponseData ErrorResponse(WriteShareGroupStateRequestData request, short version, ErrorCode error, string message) => new()
    {
        Results = [.. request.Topics.Select(t => new WriteShareGroupStateResponseData.WriteStateResult
        {
            TopicId = t.TopicId,
            Partitions = [.. t.Partitions.Select(p => new WriteShareGroupStateResponseData.PartitionResult { Partition = p.Partition, ErrorCode = (short)error, ErrorMessage = message })],
        })],
    };
}
