using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>DescribeGroups, ListGroups and DeleteGroups: what kafka-consumer-groups shows and removes.</summary>
public class GroupAdminHandlerTests
{
    private const string Group = GroupHarness.Group;
    private const string OffsetsOnly = "offsets-only";

    /// <summary>A Stable consumer group with one member, and a group that has only committed offsets.</summary>
    private static async Task<string> TwoGroupsAsync(GroupHarness harness)
    {
        var member = await harness.StableSingleMemberAsync(assignment: [9, 8, 7]);
        Assert.That(await harness.CommitAsync(5, group: OffsetsOnly), Is.All.EqualTo(ErrorCode.None));
        return member;
    }

    [TestCase((short)0)]
    [TestCase((short)5)]
    [TestCase((short)6)]
    [HandlerVersionTest(ApiKey.DescribeGroups, 0)]
    [HandlerVersionTest(ApiKey.DescribeGroups, 5)]
    [HandlerVersionTest(ApiKey.DescribeGroups, 6)]
    public async Task DescribeGroupsShowsAStableGroupsMembersAndAssignments(short version)
    {
        await using var harness = new GroupHarness();
        var member = await TwoGroupsAsync(harness);
        var request = new DescribeGroupsRequestData { Groups = [Group, "unknown-group"], IncludeAuthorizedOperations = version >= 3 };

        var response = await harness.SendAsync<DescribeGroupsResponseData>(version, request);

        var group = response.Groups[0];
        Assert.That((group.ErrorCode, group.GroupId, group.GroupState, group.ProtocolType, group.ProtocolData), Is.EqualTo(((short)0, Group, "Stable", "consumer", "range")));
        var described = group.Members.Single();
        Assert.That((described.MemberId, described.ClientId, described.ClientHost), Is.EqualTo((member, "client", "/127.0.0.1")));
        Assert.That(described.MemberMetadata.ToArray(), Is.EqualTo(GroupHarness.Subscription("t")));
        Assert.That(described.MemberAssignment.ToArray(), Is.EqualTo(new byte[] { 9, 8, 7 }));
        // Kafka describes a group it does not know as Dead: without an error before v6, GROUP_ID_NOT_FOUND from v6 (KIP-1043).
        var unknown = response.Groups[1];
        Assert.That((unknown.GroupId, (ErrorCode)unknown.ErrorCode, unknown.GroupState, unknown.ErrorMessage),
            Is.EqualTo(version >= 6 ? ("unknown-group", ErrorCode.GroupIdNotFound, "Dead", "Group unknown-group not found.") : ("unknown-group", ErrorCode.None, "Dead", (string?)null)));
        Assert.That(group.ErrorMessage, Is.Null);
        if (version >= 3)
        {
            // Without an authorizer every group operation is allowed: READ(3), DELETE(6), DESCRIBE(8).
            Assert.That(group.AuthorizedOperations, Is.EqualTo((1 << 3) | (1 << 6) | (1 << 8)));
        }
    }

    [Test]
    [HandlerVersionTest(ApiKey.DescribeGroups, 5)]
    public async Task DescribeGroupsV5ShowsAStaticMembersInstanceId()
    {
        await using var harness = new GroupHarness();
        await harness.StableSingleMemberAsync(instanceId: "instance-1");

        var response = await harness.SendAsync<DescribeGroupsResponseData>(5, new DescribeGroupsRequestData { Groups = [Group] });

        // KIP-345, from v4; and without IncludeAuthorizedOperations, Kafka's "not requested" marker.
        Assert.That(response.Groups.Single().Members.Single().GroupInstanceId, Is.EqualTo("instance-1"));
        Assert.That(response.Groups.Single().AuthorizedOperations, Is.EqualTo(int.MinValue));
    }

    [TestCase((short)0)]
    [TestCase((short)5)]
    [HandlerVersionTest(ApiKey.ListGroups, 0)]
    [HandlerVersionTest(ApiKey.ListGroups, 5)]
    public async Task ListGroupsListsEveryGroupWithItsProtocolType(short version)
    {
        await using var harness = new GroupHarness();
        await TwoGroupsAsync(harness);

        var response = await harness.SendAsync<ListGroupsResponseData>(version, new ListGroupsRequestData());

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(response.Groups.Select(g => (g.GroupId, g.ProtocolType)), Is.EquivalentTo(new[] { (Group, "consumer"), (OffsetsOnly, "") }));
        if (version >= 5)
        {
            Assert.That(response.Groups.Select(g => (g.GroupId, g.GroupState, g.GroupType)), Is.EquivalentTo(new[] { (Group, "Stable", "classic"), (OffsetsOnly, "Empty", "classic") }));
        }
    }

    [Test]
    [HandlerVersionTest(ApiKey.ListGroups, 5)]
    public async Task ListGroupsV5FiltersByStateAndType()
    {
        await using var harness = new GroupHarness();
        await TwoGroupsAsync(harness);

        var stable = await harness.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData { StatesFilter = ["stable"] });
        var consumerType = await harness.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData { TypesFilter = ["consumer"] });

        // KIP-518: states match case-insensitively; KIP-848: every group here is of type "classic".
        Assert.That(stable.Groups.Select(g => g.GroupId), Is.EqualTo(new[] { Group }));
        Assert.That(consumerType.Groups, Is.Empty);
    }

    [TestCase((short)0)]
    [TestCase((short)2)]
    [HandlerVersionTest(ApiKey.DeleteGroups, 0)]
    [HandlerVersionTest(ApiKey.DeleteGroups, 2)]
    public async Task DeleteGroupsDeletesOnlyEmptyGroups(short version)
    {
        await using var harness = new GroupHarness();
        await TwoGroupsAsync(harness);

        var response = await harness.SendAsync<DeleteGroupsResponseData>(version, new DeleteGroupsRequestData { GroupsNames = [OffsetsOnly, Group, "unknown-group"] });

        Assert.That(response.Results.Select(r => (r.GroupId, (ErrorCode)r.ErrorCode)), Is.EqualTo(new[]
        {
            (OffsetsOnly, ErrorCode.None), (Group, ErrorCode.NonEmptyGroup), ("unknown-group", ErrorCode.GroupIdNotFound),
        }));
        Assert.That(await harness.CommittedAsync(group: OffsetsOnly), Is.EqualTo(-1L), "the deleted group's offsets are gone");
        Assert.That(harness.GroupState(OffsetsOnly), Is.Null);
        Assert.That(harness.GroupState()!.State, Is.EqualTo(KafkaCompat.Broker.Groups.ClassicGroupState.Stable));
    }
}
