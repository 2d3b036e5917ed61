using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups;

public class GroupOffsetsTests
{
    private GroupHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new GroupHarness();

    [TearDown]
    public async Task TearDown() => await _h.DisposeAsync();

    [Test]
    public async Task ASimpleCommitCreatesAnEmptyGroup()
    {
        Assert.That((await _h.CommitAsync(42)).Single(), Is.EqualTo(ErrorCode.None));
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(42));
        Assert.That(await _h.CommittedAsync(partition: 1), Is.EqualTo(-1), "nothing committed there");
        var group = _h.GroupState()!;
        Assert.That(group.State, Is.EqualTo(ClassicGroupState.Empty));
        Assert.That(group.ProtocolType, Is.Null);
        Assert.That((await _h.Coordinator.ListGroupsAsync(null)).Groups.Single(), Is.EqualTo(new ListedGroup(GroupHarness.Group, "", "Empty")));
    }

    [Test]
    public async Task CommitsAreCheckedAgainstTheMemberAndGeneration()
    {
        // A generation for a group that does not exist: ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9 (Kafka's OffsetMetadataManager).
        Assert.That((await _h.CommitAsync(1, generation: 3, memberId: "m", group: "nobody", version: 8)).Single(), Is.EqualTo(ErrorCode.IllegalGeneration));
        Assert.That((await _h.CommitAsync(1, generation: 3, memberId: "m", group: "nobody", version: 9)).Single(), Is.EqualTo(ErrorCode.GroupIdNotFound));
        var a = await _h.StableSingleMemberAsync();
        Assert.Multiple(async () =>
        {
            Assert.That((await _h.CommitAsync(5, 1, a)).Single(), Is.EqualTo(ErrorCode.None));
            Assert.That((await _h.CommitAsync(5, 2, a)).Single(), Is.EqualTo(ErrorCode.IllegalGeneration));
            Assert.That((await _h.CommitAsync(5, 1, "ghost")).Single(), Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That((await _h.CommitAsync(5)).Single(), Is.EqualTo(ErrorCode.UnknownMemberId), "a simple commit to a group with members");
            Assert.That((await _h.CommitAsync(5, 1, a, topic: "missing")).Single(), Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
            Assert.That((await _h.CommitAsync(5, 1, a, partition: 9)).Single(), Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
        });
        var bJoin = _h.JoinAsync();
        await _h.SettleAsync();
        Assert.That((await _h.CommitAsync(6, 1, a)).Single(), Is.EqualTo(ErrorCode.None), "PreparingRebalance still takes the old generation's commits");
        await _h.JoinAsync(memberId: a);
        await bJoin;
        Assert.That((await _h.CommitAsync(7, 2, a)).Single(), Is.EqualTo(ErrorCode.RebalanceInProgress), "CompletingRebalance");
    }

    [Test]
    public async Task OffsetMetadataLargerThanTheLimitIsRefused()
    {
        var result = await _h.Coordinator.CommitOffsetsAsync(new OffsetCommitParams(GroupHarness.Group, -1, "", null,
            [new OffsetCommitEntry("t", 0, 1, -1, new string('x', 4097), 0, null)], 9));
        Assert.That(result.Single(), Is.EqualTo(ErrorCode.OffsetMetadataTooLarge));
    }

    [Test]
    public async Task OffsetsAndGroupsAreReplayedAfterARestart()
    {
        var a = await _h.StableSingleMemberAsync(assignment: [7, 7]);
        await _h.CommitAsync(11, 1, a);
        await _h.CommitAsync(12, 1, a, partition: 1);
        await _h.CommitAsync(3, group: "simple");

        await _h.RestartAsync();
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(11));
        Assert.That(await _h.CommittedAsync(partition: 1), Is.EqualTo(12));
        Assert.That(await _h.CommittedAsync(group: "simple"), Is.EqualTo(3));
        var group = _h.GroupState()!;
        Assert.That(group.State, Is.EqualTo(ClassicGroupState.Stable));
        Assert.That(group.GenerationId, Is.EqualTo(1));
        Assert.That(group.LeaderId, Is.EqualTo(a));
        Assert.That(group.Members[a].Assignment, Is.EqualTo(new byte[] { 7, 7 }));
        Assert.That(await _h.HeartbeatAsync(a, 1), Is.EqualTo(ErrorCode.None), "the member carries on across the restart");
        var synced = await _h.SyncAsync(a, 1);
        Assert.That(synced.Assignment.ToArray(), Is.EqualTo(new byte[] { 7, 7 }));

        // Loaded members are on the clock again: silent ones go.
        await _h.AdvanceAsync(GroupHarness.SessionTimeoutMs);
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Empty));
        await _h.RestartAsync();
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Empty));
        Assert.That(_h.GroupState()!.GenerationId, Is.EqualTo(2));
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(11));
    }

    [Test]
    public async Task AStaticMemberKeepsItsInstanceAcrossRestarts()
    {
        var old = await _h.StableSingleMemberAsync(instanceId: "pod-1", assignment: [5]);
        await _h.RestartAsync();
        var rejoined = await _h.JoinAsync(instanceId: "pod-1");
        Assert.That(rejoined.GenerationId, Is.EqualTo(1), "no rebalance");
        Assert.That(await _h.HeartbeatAsync(old, 1, "pod-1"), Is.EqualTo(ErrorCode.FencedInstanceId));
        Assert.That((await _h.SyncAsync(rejoined.MemberId, 1, instanceId: "pod-1")).Assignment.ToArray(), Is.EqualTo(new byte[] { 5 }));
    }

    [Test]
    public async Task OffsetsOfAGroupThatStaysEmptyExpire()
    {
        await using var h = new GroupHarness(new() { ["offsets.retention.minutes"] = "1", ["offsets.retention.check.interval.ms"] = "10000" });
        await h.CommitAsync(8, group: "simple");
        var a = await h.StableSingleMemberAsync();
        await h.CommitAsync(9, 1, a);
        await h.Coordinator.LeaveGroupAsync(GroupHarness.Group, [new MemberIdentity(a, null)]);

        await h.AdvanceAsync(50_000);
        Assert.That(await h.CommittedAsync(), Is.EqualTo(9));
        await h.AdvanceAsync(20_000);
        Assert.That(await h.CommittedAsync(), Is.EqualTo(-1), "a minute after the group became empty");
        Assert.That(await h.CommittedAsync(group: "simple"), Is.EqualTo(-1));
        Assert.That(h.GroupState(), Is.Null, "an empty group without offsets is removed");
        Assert.That((await h.Coordinator.ListGroupsAsync(null)).Groups, Is.Empty);
        await h.RestartAsync();
        Assert.That(h.GroupState(), Is.Null, "its tombstones are replayed too");
    }

    [Test]
    public async Task OnlyEmptyGroupsCanBeDeleted()
    {
        var a = await _h.StableSingleMemberAsync();
        await _h.CommitAsync(4, 1, a);
        Assert.That(await _h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.NonEmptyGroup));
        Assert.That(await _h.Coordinator.DeleteGroupAsync("nobody"), Is.EqualTo(ErrorCode.GroupIdNotFound));
        await _h.Coordinator.LeaveGroupAsync(GroupHarness.Group, [new MemberIdentity(a, null)]);
        Assert.That(await _h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.None));
        Assert.That(_h.GroupState(), Is.Null);
        Assert.That((await _h.Coordinator.DescribeGroupAsync(GroupHarness.Group)).GroupState, Is.EqualTo("Dead"));
        await _h.RestartAsync();
        Assert.That(_h.GroupState(), Is.Null);
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(-1));
    }

    [Test]
    public async Task OffsetDeleteRefusesTopicsTheGroupStillConsumes()
    {
        var a = await _h.StableSingleMemberAsync();
        await _h.CommitAsync(1, 1, a, topic: "t");
        await _h.CommitAsync(2, 1, a, topic: "other");
        var result = await _h.Coordinator.DeleteOffsetsAsync(GroupHarness.Group, [("t", 0), ("other", 0), ("missing", 0)]);
        Assert.That(result.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(result.Partitions.Select(p => p.Error), Is.EqualTo(new[] { ErrorCode.GroupSubscribedToTopic, ErrorCode.None, ErrorCode.UnknownTopicOrPartition }));
        Assert.That(await _h.CommittedAsync(topic: "other"), Is.EqualTo(-1));
        Assert.That(await _h.CommittedAsync(topic: "t"), Is.EqualTo(1));
        Assert.That((await _h.Coordinator.DeleteOffsetsAsync("nobody", [("t", 0)])).Error, Is.EqualTo(ErrorCode.GroupIdNotFound));
    }

    [Test]
    public async Task DescribeShowsMembersAndAssignmentsOfAStableGroup()
    {
        var a = await _h.StableSingleMemberAsync(assignment: [1, 2]);
        var described = await _h.Coordinator.DescribeGroupAsync(GroupHarness.Group);
        Assert.That(described.GroupState, Is.EqualTo("Stable"));
        Assert.That(described.ProtocolType, Is.EqualTo("consumer"));
        Assert.That(described.ProtocolData, Is.EqualTo("range"));
        var member = described.Members.Single();
        Assert.That(member.MemberId, Is.EqualTo(a));
        Assert.That(member.ClientHost, Is.EqualTo("/127.0.0.1"));
        Assert.That(member.MemberAssignment.ToArray(), Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That((await _h.Coordinator.ListGroupsAsync(new HashSet<ClassicGroupState> { ClassicGroupState.Empty })).Groups, Is.Empty);
        Assert.That((await _h.Coordinator.ListGroupsAsync(new HashSet<ClassicGroupState> { ClassicGroupState.Stable })).Groups.Single().GroupId, Is.EqualTo(GroupHarness.Group));
    }

    [Test]
    public async Task AMemberThatRejoinsFromAnotherClientIdKeepsTheClientIdAndHostOfItsFirstJoin()
    {
        var a = await _h.StableSingleMemberAsync();
        // The leader of a stable group rejoins (a rebalance) with another client id and host: Kafka updates protocols and timeouts only.
        var rejoined = await _h.Coordinator.JoinGroupAsync(new JoinGroupParams(GroupHarness.Group, a, null, "renamed-client", "/10.0.0.9",
            GroupHarness.SessionTimeoutMs, GroupHarness.RebalanceTimeoutMs, "consumer", [new MemberProtocol("range", GroupHarness.Subscription("t"))], false, SupportsSkippingAssignment: true));
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(rejoined.GenerationId, Is.EqualTo(2));

        var member = (await _h.Coordinator.DescribeGroupAsync(GroupHarness.Group)).Members.Single();
        Assert.That((member.ClientId, member.ClientHost), Is.EqualTo(("client", "/127.0.0.1")));
    }
}
