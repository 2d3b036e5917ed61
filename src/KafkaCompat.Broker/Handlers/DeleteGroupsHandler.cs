using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DeleteGroups (key 42), versions 0-2.
/// Only an empty group can be deleted (NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND for an unknown
/// one): its offsets and metadata get tombstones in <c>__consumer_offsets</c>. v2 is flexible.
/// </summary>
public sealed class DeleteGroupsHandler(GroupCoordinator coordinator) : ApiHandler<DeleteGroupsRequestData, DeleteGroupsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    public override VersionRange Versions => new(0, 2);

    protected override async ValueTask<DeleteGroupsResponseData?> HandleAsync(RequestContext context, DeleteGroupsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DeleteGroupsResponseData();
        foreach (var groupId in request.GroupsNames)
        {
            var error = await coordinator.DeleteGroupAsync(groupId);
            response.Results.Add(new DeleteGroupsResponseData.DeletableGroupResult { GroupId = groupId, ErrorCode = (short)error });
        }
        return response;
    }

    protected override DeleteGroupsResponseData ErrorResponse(DeleteGroupsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DeleteGroupsResponseData();
        foreach (var groupId in request.GroupsNames)
        {
            response.Results.Add(new DeleteGroupsResponseData.DeletableGroupResult { GroupId = groupId, ErrorCode = (short)error });
        }
        return response;
    }
}
