using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// Heartbeat (key 12), versions 0-4.
/// Keeps a member's session alive. REBALANCE_IN_PROGRESS tells a member of a preparing group to
/// rejoin; ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID (v3+, KIP-345) tell it that
/// it no longer belongs to the group as it believes.
/// </summary>
public sealed class HeartbeatHandler(GroupCoordinator coordinator) : ApiHandler<HeartbeatRequestData, HeartbeatResponseData>
{
    public override ApiKey ApiKey => ApiKey.Heartbeat;

    public override VersionRange Versions => new(0, 4);

    protected override async ValueTask<HeartbeatResponseData?> HandleAsync(RequestContext context, HeartbeatRequestData request, CancellationToken cancellationToken)
    {
        var error = await coordinator.HeartbeatAsync(request.GroupId, request.MemberId, request.GroupInstanceId, request.GenerationId);
        return new HeartbeatResponseData { ErrorCode = (short)error };
    }

    protected override HeartbeatResponseData ErrorResponse(HeartbeatRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
