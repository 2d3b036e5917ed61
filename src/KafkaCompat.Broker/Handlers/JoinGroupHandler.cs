using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// JoinGroup (key 11), versions 0-9.
/// The answer waits for the rebalance (see <see cref="GroupCoordinatorShard"/>). v0 has no rebalance
/// timeout (the session timeout serves); v4+ members joining without a member id get one with
/// MEMBER_ID_REQUIRED and join again (KIP-394); v5+ carries group.instance.id for static membership
/// (KIP-345); v7+ answers the protocol type and allows a null protocol name; v8+ carries a reason
/// (KIP-800); v9+ can tell a rejoining static leader to skip the assignment (KIP-814).
/// </summary>
public sealed class JoinGroupHandler(GroupCoordinator coordinator) : ApiHandler<JoinGroupRequestData, JoinGroupResponseData>
{
    public override ApiKey ApiKey => ApiKey.JoinGroup;

    public override VersionRange Versions => new(0, 9);

    protected override async ValueTask<JoinGroupResponseData?> HandleAsync(RequestContext context, JoinGroupRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var rebalanceTimeout = version == 0 || request.RebalanceTimeoutMs < 0 ? request.SessionTimeoutMs : request.RebalanceTimeoutMs;
        var join = new JoinGroupParams(
            request.GroupId,
            request.MemberId,
            request.GroupInstanceId,
            context.ClientId ?? "",
            ClientHost.From(context.Connection.RemoteAddress),
            request.SessionTimeoutMs,
            rebalanceTimeout,
            request.ProtocolType,
            request.Protocols.Select(p => new MemberProtocol(p.Name, p.Metadata.ToArray())).ToList(),
            RequireKnownMemberId: version >= 4,
            request.Reason,
            SupportsSkippingAssignment: version >= 9);
        return Shape(await coordinator.JoinGroupAsync(join), version);
    }

    private static JoinGroupResponseData Shape(JoinGroupResponseData response, short version)
    {
        if (version < 7)
        {
            response.ProtocolName ??= "";
        }
        if (version < 9)
        {
            response.SkipAssignment = false;
        }
        return response;
    }

    protected override JoinGroupResponseData ErrorResponse(JoinGroupRequestData request, short version, ErrorCode error, string message) =>
        Shape(new JoinGroupResponseData { ErrorCode = (short)error, GenerationId = -1, MemberId = request.MemberId, Leader = "", ProtocolName = null }, version);
}
