using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DeleteShareGroupOffsets (key 92), version 0 (KIP-932): deletes an empty share group's state for
/// whole topics through the share coordinator, so that consumption starts again from
/// <c>share.auto.offset.reset</c> when members come back.
/// </summary>
public sealed class DeleteShareGroupOffsetsHandler(GroupCoordinator coordinator) : ApiHandler<DeleteShareGroupOffsetsRequestData, DeleteShareGroupOffsetsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DeleteShareGroupOffsets;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<DeleteShareGroupOffsetsResponseData?> HandleAsync(RequestContext context, DeleteShareGroupOffsetsRequestData request, CancellationToken cancellationToken) =>
        await coordinator.DeleteShareGroupOffsetsAsync(request);

    protected override DeleteShareGroupOffsetsResponseData ErrorResponse(DeleteShareGroupOffsetsRequestData request, short version, ErrorCode error, string message) =>
        GroupCoordinator.DeleteShareGroupOffsetsError(error, message);
}
