using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ShareGroupDescribe (key 77), version 1: what the admin client shows of a KIP-932 share group
/// (state, group and assignment epochs, the <c>simple</c> assignor, and each member's subscription
/// and assignment). Version 0 was Kafka 4.0's early access, removed in Kafka 4.1. Authorized
/// operations (KIP-430) only when asked; without an authorizer every group operation is allowed.
/// </summary>
public sealed class ShareGroupDescribeHandler(GroupCoordinator coordinator) : ApiHandler<ShareGroupDescribeRequestData, ShareGroupDescribeResponseData>
{
    public override ApiKey ApiKey => ApiKey.ShareGroupDescribe;

    public override VersionRange Versions => new(1, 1);

    protected override async ValueTask<ShareGroupDescribeResponseData?> HandleAsync(RequestContext context, ShareGroupDescribeRequestData request, CancellationToken cancellationToken)
    {
        var response = new ShareGroupDescribeResponseData();
        foreach (var described in await coordinator.ShareGroupDescribeAsync(request.GroupIds))
        {
            if ((ErrorCode)described.ErrorCode == ErrorCode.None && request.IncludeAuthorizedOperations)
            {
                described.AuthorizedOperations = DescribeGroupsHandler.GroupOperations;
            }
            response.Groups.Add(described);
        }
        return response;
    }

    protected override ShareGroupDescribeResponseData ErrorResponse(ShareGroupDescribeRequestData request, short version, ErrorCode error, string message)
    {
        var response = new ShareGroupDescribeResponseData();
        response.Groups.AddRange(request.GroupIds.Select(id => GroupCoordinator.ShareGroupDescribeError(id, error, message)));
        return response;
    }
}
