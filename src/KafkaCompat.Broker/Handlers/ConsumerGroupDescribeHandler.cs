using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ConsumerGroupDescribe (key 69), versions 0-1: what the admin client shows of a KIP-848 consumer
/// group (state, group and assignment epochs, assignor, and each member's subscription with its
/// current and target assignments). Version 1 (KIP-1099) adds the member type. Authorized operations
/// (KIP-430) only when asked; without an authorizer every group operation is allowed.
/// </summary>
public sealed class ConsumerGroupDescribeHandler(GroupCoordinator coordinator) : ApiHandler<ConsumerGroupDescribeRequestData, ConsumerGroupDescribeResponseData>
{
    public override ApiKey ApiKey => ApiKey.ConsumerGroupDescribe;

    public override VersionRange Versions => new(0, 1);

    protected override async ValueTask<ConsumerGroupDescribeResponseData?> HandleAsync(RequestContext context, ConsumerGroupDescribeRequestData request, CancellationToken cancellationToken)
    {
        var response = new ConsumerGroupDescribeResponseData();
        foreach (var described in await coordinator.ConsumerGroupDescribeAsync(request.GroupIds))
        {
            if ((ErrorCode)described.ErrorCode == ErrorCode.None && request.IncludeAuthorizedOperations)
            {
                described.AuthorizedOperations = DescribeGroupsHandler.GroupOperations;
            }
            response.Groups.Add(described);
        }
        return response;
    }

    protected override ConsumerGroupDescribeResponseData ErrorResponse(ConsumerGroupDescribeRequestData request, short version, ErrorCode error, string message)
    {
        var response = new ConsumerGroupDescribeResponseData();
        response.Groups.AddRange(request.GroupIds.Select(id => GroupCoordinator.ConsumerGroupDescribeError(id, error, message)));
        return response;
    }
}
