using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeGroups (key 15), versions 0-6.
/// What <c>kafka-consumer-groups --describe</c> shows: state, protocol type, and the members; the
/// chosen protocol and the members' metadata and assignments only for a Stable group, as Kafka.
/// An unknown group is described as Dead, with no error before v6 and GROUP_ID_NOT_FOUND and a
/// message from v6 (KIP-1043, which also added a per-group error message). v3+ can ask for authorized
/// operations (KIP-430; without an authorizer every group operation is allowed); v4+ shows group.instance.id.
/// </summary>
public sealed class DescribeGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DescribeGroupsRequestData, DescribeGroupsResponseData>
{
    /// <summary>Kafka's "not requested" marker for authorized operations.</summary>
    internal const int OperationsNotRequested = int.MinValue;

    // Group operations (Kafka's AclOperation): READ 3, DELETE 6, DESCRIBE 8.
    internal const int GroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

    public override ApiKey ApiKey => ApiKey.DescribeGroups;

    public override VersionRange Versions => new(0, 6);

    protected override async ValueTask<DescribeGroupsResponseData?> HandleAsync(RequestContext context, DescribeGroupsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DescribeGroupsResponseData();
        foreach (var groupId in request.Groups)
        {
            var described = await coordinator.DescribeGroupAsync(groupId);
            described.AuthorizedOperations = request.IncludeAuthorizedOperations ? GroupOperations : OperationsNotRequested;
            if (context.ApiVersion < 6)
            {
                // Before v6 an unknown group is only Dead, and there is no field for a message.
                described.ErrorCode = (ErrorCode)described.ErrorCode == ErrorCode.GroupIdNotFound ? (short)ErrorCode.None : described.ErrorCode;
                described.ErrorMessage = null;
            }
            response.Groups.Add(described);
        }
        return response;
    }

    protected override DescribeGroupsResponseData ErrorResponse(DescribeGroupsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DescribeGroupsResponseData();
        foreach (var groupId in request.Groups)
        {
            response.Groups.Add(new DescribeGroupsResponseData.DescribedGroup
            {
                GroupId = groupId, ErrorCode = (short)error, ErrorMessage = version >= 6 ? message : null, GroupState = "", ProtocolType = "", ProtocolData = "",
            });
        }
        return response;
    }
}
