using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DeleteShareGroupState (key 86), version 0 (KIP-932): the group coordinator drops the state of a
/// deleted share group's share-partitions. A share-partition never initialized is already gone (no error).
/// </summary>
public sealed class DeleteShareGroupStateHandler(ShareCoordinator coordinator) : ApiHandler<DeleteShareGroupStateRequestData, DeleteShareGroupStateResponseData>
{
    public override ApiKey ApiKey => ApiKey.DeleteShareGroupState;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<DeleteShareGroupStateResponseData?> HandleAsync(RequestContext context, DeleteShareGroupStateRequestData request, CancellationToken cancellationToken) =>
        await coordinator.DeleteStateAsync(request, cancellationToken);

    protected override DeleteShareGroupStateResponseData ErrorResponse(DeleteShareGroupStateRequestData request, short version, ErrorCode error, string message) => new()
    {
        Results = [.. request.Topics.Select(t => new DeleteShareGroupStateResponseData.DeleteStateResult
        {
            TopicId = t.TopicId,
            Partitions = [.. t.Partitions.Select(p => new DeleteShareGroupStateResponseData.PartitionResult { Partition = p.Partition, ErrorCode = (short)error, ErrorMessage = message })],
        })],
    };
}
