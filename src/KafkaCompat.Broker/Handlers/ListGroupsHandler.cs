using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ListGroups (key 16), versions 0-5.
/// Every group this node coordinates (all of them), with its protocol type ("consumer", or "" for a
/// simple group). v4+ shows each group's state and filters by state names, case-insensitively
/// (KIP-518); v5+ shows the group type ("classic", "consumer" for a KIP-848 group, "share" for a KIP-932
/// one) and filters by type (KIP-848).
/// COORDINATOR_LOAD_IN_PROGRESS while a partition of <c>__consumer_offsets</c> is loading.
/// </summary>
public sealed class ListGroupsHandler(GroupCoordinator coordinator) : ApiHandler<ListGroupsRequestData, ListGroupsResponseData>
{
    public override ApiKey ApiKey => ApiKey.ListGroups;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<ListGroupsResponseData?> HandleAsync(RequestContext context, ListGroupsRequestData request, CancellationToken cancellationToken)
    {
        var response = new ListGroupsResponseData();
        bool Wanted(string type) => request.TypesFilter.Count == 0 || request.TypesFilter.Contains(type, StringComparer.OrdinalIgnoreCase);
        HashSet<ClassicGroupState>? states = null;
        HashSet<string>? stateNames = null;
        if (request.StatesFilter.Count > 0)
        {
            states = request.StatesFilter.Select(ClassicGroupStates.Parse).OfType<ClassicGroupState>().ToHashSet();
            stateNames = request.StatesFilter.ToHashSet(StringComparer.OrdinalIgnoreCase);
        }
        var (error, groups) = await coordinator.ListGroupsAsync(states, stateNames, Wanted(ListedGroup.ClassicType), Wanted(ListedGroup.ConsumerType),
            Wanted(Groups.Share.ShareGroup.GroupType));
        response.ErrorCode = (short)error;
        foreach (var group in groups.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            response.Groups.Add(new ListGroupsResponseData.ListedGroup { GroupId = group.GroupId, ProtocolType = group.ProtocolType, GroupState = group.State, GroupType = group.Type });
        }
        return response;
    }

    protected override ListGroupsResponseData ErrorResponse(ListGroupsRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
