using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeShareGroupOffsets (key 90), versions 0-1 (KIP-932): each share group's start offsets as
/// the share coordinator keeps them. Version 1 (Kafka 4.1) adds each partition's lag and lets a
/// group's topics be null, meaning every partition the group has initialized.
/// </summary>
public sealed class DescribeShareGroupOffsetsHandler(GroupCoordinator coordinator) : ApiHandler<DescribeShareGroupOffsetsRequestData, DescribeShareGroupOffsetsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DescribeShareGroupOffsets;

    public override VersionRange Versions => new(0, 1);

    protected override async ValueTask<DescribeShareGroupOffsetsResponseData?> HandleAsync(RequestContext context, DescribeShareGroupOffsetsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DescribeShareGroupOffsetsResponseData();
        foreach (var group in request.Groups)
        {
            response.Groups.Add(await coordinator.DescribeShareGroupOffsetsAsync(group));
        }
        return response;
    }

    protected override DescribeShareGroupOffsetsResponseData ErrorResponse(DescribeShareGroupOffsetsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DescribeShareGroupOffsetsResponseData();
        response.Groups.AddRange(request.Groups.Select(g => GroupCoordinator.ShareGroupOffsetsError(g.GroupId, error, message)));
        return response;
    }
}
