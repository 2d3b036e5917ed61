using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ListGroups (key 16), versions 0-5.
/// Every group this node coordinates (all of them), with its protocol type ("consumer", or "" for a
/// simple group). v4+ shows each group's state and filters by state names, case-insensitively
/// (KIP-518); v5+ shows the group type, always "classic" here, and filters by type (KIP-848).
/// COORDINATOR_LOAD_IN_PROGRESS while a partition of <c>__consumer_offsets</c> is loading.
/// </summary>
public sealed class ListGroupsHandler(GroupCoordinator coordinator) : ApiHandler<ListGroupsRequestData, ListGroupsResponseData>
{
    private const string ClassicType = "classic";

    public override ApiKey ApiKey => ApiKey.ListGroups;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<ListGroupsResponseData?> HandleAsync(RequestContext context, ListGroupsRequestData request, CancellationToken cancellationToken)
    {
        var response = new ListGroupsResponseData();
        if (request.TypesFilter.Count > 0 && !request.TypesFilter.Contains(ClassicType, StringComparer.OrdinalIgnoreCase))
        {
            return response;
        }
        HashSet<ClassicGroupState>? states = null;
        if (request.StatesFilter.Count > 0)
        {
            states = request.StatesFilter.Select(ClassicGroupStates.Parse).OfType<ClassicGroupState>().ToHashSet();
        }
        var (error, groups) = await coordinator.ListGroupsAsync(states);
        response.ErrorCode = (short)error;
        foreach (var group in groups.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            response.Groups.Add(new ListGroupsResponseData.ListedGroup { GroupId = group.GroupId, ProtocolType = group.ProtocolType, GroupState = group.State, GroupType = ClassicType });
        }
        return response;
    }

    protected override ListGroupsResponseData ErrorResponse(ListGroupsRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
