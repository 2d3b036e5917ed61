using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// SyncGroup (key 14), versions 0-5.
/// Followers wait for the leader's assignment; the leader's assignment is persisted in
/// <c>__consumer_offsets</c> before anyone is answered. Assignments are opaque bytes, so eager and
/// cooperative (incremental) rebalancing both work as the clients drive them. v3+ carries
/// group.instance.id (KIP-345); v5+ names the protocol type and name, checked against the group's
/// (INCONSISTENT_GROUP_PROTOCOL) and answered back (KIP-559).
/// </summary>
public sealed class SyncGroupHandler(GroupCoordinator coordinator) : ApiHandler<SyncGroupRequestData, SyncGroupResponseData>
{
    public override ApiKey ApiKey => ApiKey.SyncGroup;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<SyncGroupResponseData?> HandleAsync(RequestContext context, SyncGroupRequestData request, CancellationToken cancellationToken)
    {
        var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var assignment in request.Assignments)
        {
            assignments[assignment.MemberId] = assignment.Assignment.ToArray();
        }
        return await coordinator.SyncGroupAsync(new SyncGroupParams(
            request.GroupId, request.GenerationId, request.MemberId, request.GroupInstanceId, request.ProtocolType, request.ProtocolName, assignments));
    }

    protected override SyncGroupResponseData ErrorResponse(SyncGroupRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, Assignment = Array.Empty<byte>() };
}
