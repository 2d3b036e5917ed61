using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// ConsumerGroupDescribe through its handler and the wire format, at both versions (v1: KIP-1099's
/// member type), as Kafka's group coordinator answers it.
/// </summary>
public class ConsumerGroupDescribeHandlerTests
{
    // Kafka's AclOperation codes of a group: READ 3, DELETE 6, DESCRIBE 8, as a bit field.
    private const int AllGroupOperations = 8 + 64 + 256;

    private static async Task<ConsumerGroupHeartbeatResponseData> JoinAsync(GroupHarness h, string memberId, string clientId, string clientHost,
        string? instanceId = null, string? rackId = null, string? assignor = null)
    {
        var joined = await h.Coordinator.ConsumerGroupHeartbeatAsync(new ConsumerGroupHeartbeatRequestData
        {
            GroupId = GroupHarness.Group, MemberId = memberId, MemberEpoch = 0, InstanceId = instanceId, RackId = rackId,
            RebalanceTimeoutMs = GroupHarness.RebalanceTimeoutMs, SubscribedTopicNames = ["t", "other"], ServerAssignor = assignor, TopicPartitions = [],
        }, 1, clientId, clientHost);
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        return joined;
    }

    private static Task<ConsumerGroupDescribeResponseData> DescribeAsync(GroupHarness h, short version, bool authorizedOperations, params string[] groupIds) =>
        h.SendAsync<ConsumerGroupDescribeResponseData>(version, new ConsumerGroupDescribeRequestData { GroupIds = [.. groupIds], IncludeAuthorizedOperations = authorizedOperations });

    private static List<(string Topic, int Partition)> Partitions(ConsumerGroupDescribeResponseData.Assignment assignment) =>
        assignment.TopicPartitions.SelectMany(t => t.Partitions.Select(p => (t.TopicName, p))).ToList();

    [TestCase((short)0)]
    [TestCase((short)1)]
    [HandlerVersionTest(ApiKey.ConsumerGroupDescribe, 0)]
    [HandlerVersionTest(ApiKey.ConsumerGroupDescribe, 1)]
    public async Task AGroupWhoseSecondMemberWaitsForTheFirstToRevokeIsReconcilingWithBothAssignmentsShown(short version)
    {
        await using var h = new GroupHarness();
        var image = h.Metadata.Image;
        await JoinAsync(h, "member-a", "client-a", "/10.0.0.1", instanceId: "instance-a", rackId: "rack-1", assignor: "range");
        // The second join bumps the group epoch to 2; the first member still owns all four partitions
        // at epoch 1 until it heartbeats, so the second one is given nothing yet.
        await JoinAsync(h, "member-b", "client-b", "/10.0.0.2", assignor: "range");

        var response = await DescribeAsync(h, version, authorizedOperations: true, GroupHarness.Group);

        var group = response.Groups.Single();
        Assert.That((ErrorCode)group.ErrorCode, Is.EqualTo(ErrorCode.None), group.ErrorMessage);
        Assert.That(group.GroupId, Is.EqualTo(GroupHarness.Group));
        Assert.That(group.GroupState, Is.EqualTo("Reconciling"));
        Assert.That(group.GroupEpoch, Is.EqualTo(2));
        Assert.That(group.AssignmentEpoch, Is.EqualTo(2));
        Assert.That(group.AssignorName, Is.EqualTo("range"));
        Assert.That(group.AuthorizedOperations, Is.EqualTo(AllGroupOperations));
        Assert.That(group.Members.Select(m => m.MemberId), Is.EquivalentTo(new[] { "member-a", "member-b" }));

        var a = group.Members.Single(m => m.MemberId == "member-a");
        Assert.That((a.InstanceId, a.RackId, a.ClientId, a.ClientHost, a.MemberEpoch), Is.EqualTo(("instance-a", "rack-1", "client-a", "/10.0.0.1", 1)));
        Assert.That(a.SubscribedTopicNames, Is.EquivalentTo(new[] { "t", "other" }));
        Assert.That(a.SubscribedTopicRegex, Is.Null);
        Assert.That(Partitions(a.Assignment), Is.EquivalentTo(new[] { ("t", 0), ("t", 1), ("t", 2), ("other", 0) }));
        Assert.That(a.Assignment.TopicPartitions.Select(t => t.TopicId), Is.EquivalentTo(new[] { image.Topic("t")!.Id, image.Topic("other")!.Id }));

        var b = group.Members.Single(m => m.MemberId == "member-b");
        Assert.That((b.InstanceId, b.RackId, b.ClientId, b.ClientHost, b.MemberEpoch), Is.EqualTo(((string?)null, (string?)null, "client-b", "/10.0.0.2", 2)));
        Assert.That(b.Assignment.TopicPartitions, Is.Empty);

        // The new target splits the partitions between the two, each partition to one of them.
        var targets = Partitions(a.TargetAssignment).Concat(Partitions(b.TargetAssignment)).ToList();
        Assert.That(targets, Is.EquivalentTo(new[] { ("t", 0), ("t", 1), ("t", 2), ("other", 0) }));
        Assert.That(Partitions(b.TargetAssignment), Is.Not.Empty);
        Assert.That(Partitions(a.TargetAssignment), Is.Not.Empty);

        // Version 1 says each member speaks the consumer protocol (1); version 0 has no such field.
        Assert.That(group.Members.Select(m => m.MemberType), Is.All.EqualTo(version >= 1 ? (sbyte)1 : (sbyte)-1));
    }

    [Test]
    public async Task AuthorizedOperationsAreSentOnlyWhenAsked()
    {
        await using var h = new GroupHarness();
        await JoinAsync(h, "member-a", "client-a", "/10.0.0.1");

        var group = (await DescribeAsync(h, 1, authorizedOperations: false, GroupHarness.Group)).Groups.Single();

        Assert.That(group.AuthorizedOperations, Is.EqualTo(int.MinValue));
        Assert.That(group.AssignorName, Is.EqualTo("uniform"), "no member asked for an assignor: the default");
        Assert.That(group.GroupState, Is.EqualTo("Stable"), "a lone member owns its whole target at once");
    }

    [Test]
    public async Task UnknownClassicAndEmptyGroupIdsAreErrorsNextToADescribedGroup()
    {
        await using var h = new GroupHarness();
        await JoinAsync(h, "member-a", "client-a", "/10.0.0.1");
        var classic = await h.JoinAsync(group: "classic-group");
        Assert.That((ErrorCode)classic.ErrorCode, Is.EqualTo(ErrorCode.None));

        var groups = (await DescribeAsync(h, 1, authorizedOperations: true, "missing", "classic-group", "", GroupHarness.Group)).Groups;

        Assert.That(groups.Select(g => ((ErrorCode)g.ErrorCode, g.GroupId, g.ErrorMessage)), Is.EqualTo(new (ErrorCode, string, string?)[]
        {
            (ErrorCode.GroupIdNotFound, "missing", "Group missing not found."),
            (ErrorCode.GroupIdNotFound, "classic-group", "Group classic-group is not a consumer group."),
            (ErrorCode.InvalidGroupId, "", null),
            (ErrorCode.None, GroupHarness.Group, null),
        }));
        // Operations are given only with a group that was described.
        Assert.That(groups.Select(g => g.AuthorizedOperations), Is.EqualTo(new[] { int.MinValue, int.MinValue, int.MinValue, AllGroupOperations }));
    }

    [Test]
    public async Task WhileItsPartitionLoadsAGroupIsCoordinatorLoadInProgressAndAfterwardsDescribedFromItsRecords()
    {
        await using var h = new GroupHarness();
        await JoinAsync(h, "member-a", "client-a", "/10.0.0.1", rackId: "rack-1");
        var before = (await DescribeAsync(h, 1, authorizedOperations: false, GroupHarness.Group)).Groups.Single();

        using var hold = new ManualResetEventSlim(false);
        await h.RestartAsync(hold);
        var loading = (await DescribeAsync(h, 1, authorizedOperations: false, GroupHarness.Group)).Groups.Single();
        Assert.That(((ErrorCode)loading.ErrorCode, loading.GroupId, loading.ErrorMessage),
            Is.EqualTo((ErrorCode.CoordinatorLoadInProgress, GroupHarness.Group, "The coordinator is loading and hence can't process requests.")));

        hold.Set();
        await h.SettleAsync();
        var after = (await DescribeAsync(h, 1, authorizedOperations: false, GroupHarness.Group)).Groups.Single();
        Assert.That((ErrorCode)after.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(after, Is.EqualTo(before), "the replayed records describe the same group");
        Assert.That(after.Members.Single().RackId, Is.EqualTo("rack-1"));
    }
}
