using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// LeaveGroup (key 13), versions 0-5.
/// A member leaving triggers an immediate rebalance. v0-2 name one member and get its error as the
/// response's error; v3+ batch members (KIP-345: an admin removes static members by
/// group.instance.id alone) and answer per member; v5+ carries a reason per member (KIP-800).
/// </summary>
public sealed class LeaveGroupHandler(GroupCoordinator coordinator) : ApiHandler<LeaveGroupRequestData, LeaveGroupResponseData>
{
    public override ApiKey ApiKey => ApiKey.LeaveGroup;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<LeaveGroupResponseData?> HandleAsync(RequestContext context, LeaveGroupRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        IReadOnlyList<MemberIdentity> members = version >= 3
            ? request.Members.Select(m => new MemberIdentity(m.MemberId, m.GroupInstanceId, m.Reason)).ToList()
            : [new MemberIdentity(request.MemberId, null)];
        var result = await coordinator.LeaveGroupAsync(request.GroupId, members);
        var response = new LeaveGroupResponseData { ErrorCode = (short)result.Error };
        if (version < 3)
        {
            if (result.Error == ErrorCode.None && result.Members.Count > 0)
            {
                response.ErrorCode = (short)result.Members[0].Error;
            }
            return response;
        }
        foreach (var (member, error) in result.Members)
        {
            response.Members.Add(new LeaveGroupResponseData.MemberResponse { MemberId = member.MemberId, GroupInstanceId = member.GroupInstanceId, ErrorCode = (short)error });
        }
        return response;
    }

    protected override LeaveGroupResponseData ErrorResponse(LeaveGroupRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
