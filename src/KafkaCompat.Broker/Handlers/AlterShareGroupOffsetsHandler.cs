using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// AlterShareGroupOffsets (key 91), version 0 (KIP-932): sets an empty share group's start offsets
/// by initializing the partitions' state in the share coordinator at the asked offsets.
/// </summary>
public sealed class AlterShareGroupOffsetsHandler(GroupCoordinator coordinator) : ApiHandler<AlterShareGroupOffsetsRequestData, AlterShareGroupOffsetsResponseData>
{
    public override ApiKey ApiKey => ApiKey.AlterShareGroupOffsets;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<AlterShareGroupOffsetsResponseData?> HandleAsync(RequestContext context, AlterShareGroupOffsetsRequestData request, CancellationToken cancellationToken) =>
        await coordinator.AlterShareGroupOffsetsAsync(request);

    protected override AlterShareGroupOffsetsResponseData ErrorResponse(AlterShareGroupOffsetsRequestData request, short version, ErrorCode error, string message) =>
        GroupCoordinator.AlterShareGroupOffsetsError(error, message);
}
