using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups;

public class GroupStateMachineTests
{
    private GroupHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new GroupHarness();

    [TearDown]
    public async Task TearDown() => await _h.DisposeAsync();

    [Test]
    public void TheTransitionTableIsKafkas()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.Empty, ClassicGroupState.PreparingRebalance));
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.PreparingRebalance, ClassicGroupState.CompletingRebalance));
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.CompletingRebalance, ClassicGroupState.Stable));
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.Stable, ClassicGroupState.PreparingRebalance));
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.PreparingRebalance, ClassicGroupState.Empty));
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.Stable, ClassicGroupState.Dead));
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.Empty, ClassicGroupState.Stable), Is.False);
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.Stable, ClassicGroupState.CompletingRebalance), Is.False);
            Assert.That(ClassicGroupStates.CanTransition(ClassicGroupState.Dead, ClassicGroupState.Empty), Is.False);
            Assert.That(ClassicGroupStates.Parse("stable"), Is.EqualTo(ClassicGroupState.Stable));
            Assert.That(ClassicGroupStates.Parse("Nope"), Is.Null);
        });
    }

    [Test]
    public async Task AJoinWithoutMemberIdFromV4GetsMemberIdRequiredThenJoins()
    {
        var first = await _h.JoinAsync(requireKnownMemberId: true);
        Assert.That((ErrorCode)first.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
        Assert.That(first.MemberId, Does.StartWith("client-"));
        Assert.That(_h.GroupState()!.Members, Is.Empty, "a pending member is not a member yet");

        var second = await _h.JoinAsync(memberId: first.MemberId, requireKnownMemberId: true);
        Assert.That((ErrorCode)second.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(second.MemberId, Is.EqualTo(first.MemberId));
        Assert.That(second.Leader, Is.EqualTo(first.MemberId));
        Assert.That(second.GenerationId, Is.EqualTo(1));
        Assert.That(second.ProtocolName, Is.EqualTo("range"));
        Assert.That(second.Members.Select(m => m.MemberId), Is.EqualTo(new[] { first.MemberId }), "the leader gets every member's metadata");
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.CompletingRebalance));
    }

    [Test]
    public async Task APendingMemberThatNeverRejoinsExpires()
    {
        var first = await _h.JoinAsync(requireKnownMemberId: true);
        Assert.That((ErrorCode)first.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
        Assert.That(_h.GroupState()!.PendingJoinMembers.Keys, Is.EqualTo(new[] { first.MemberId }), "pending once its id is handed out");
        await _h.AdvanceAsync(GroupHarness.SessionTimeoutMs - 1);
        Assert.That(_h.GroupState()!.PendingJoinMembers.Keys, Is.EqualTo(new[] { first.MemberId }), "still pending within its session timeout");

        await _h.AdvanceAsync(1);
        Assert.That(_h.GroupState()!.PendingJoinMembers, Is.Empty);
        var late = await _h.JoinAsync(memberId: first.MemberId, requireKnownMemberId: true);
        Assert.That((ErrorCode)late.ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId), "an expired id can no longer join");
    }

    [Test]
    public async Task SyncMakesTheGroupStableAndHandsOutTheLeadersAssignment()
    {
        var joined = await _h.JoinAsync();
        var synced = await _h.SyncAsync(joined.MemberId, 1, new() { [joined.MemberId] = [9, 9] });
        Assert.That((ErrorCode)synced.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(synced.Assignment.ToArray(), Is.EqualTo(new byte[] { 9, 9 }));
        Assert.That(synced.ProtocolName, Is.EqualTo("range"));
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable));
        Assert.That(await _h.HeartbeatAsync(joined.MemberId, 1), Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public async Task ASecondMemberTriggersARebalanceThatEveryoneRejoins()
    {
        var a = await _h.StableSingleMemberAsync();
        var bJoin = _h.JoinAsync(metadata: GroupHarness.Subscription("t", "other"));
        await _h.SettleAsync();
        Assert.That(bJoin.IsCompleted, Is.False, "waits for the existing member to rejoin");
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.PreparingRebalance));
        Assert.That(await _h.HeartbeatAsync(a, 1), Is.EqualTo(ErrorCode.RebalanceInProgress));

        var aJoin = await _h.JoinAsync(memberId: a);
        var b = await bJoin;
        Assert.That(aJoin.GenerationId, Is.EqualTo(2));
        Assert.That(b.GenerationId, Is.EqualTo(2));
        Assert.That(aJoin.Leader, Is.EqualTo(a));
        Assert.That(aJoin.Members, Has.Count.EqualTo(2));
        Assert.That(b.Members, Is.Empty, "followers do not get the members");

        var bSync = _h.SyncAsync(b.MemberId, 2);
        await _h.SettleAsync();
        Assert.That(bSync.IsCompleted, Is.False, "followers wait for the leader");
        Assert.That(await _h.HeartbeatAsync(b.MemberId, 2), Is.EqualTo(ErrorCode.None), "heartbeats between join and sync are fine");
        var aSync = await _h.SyncAsync(a, 2, new() { [a] = [1], [b.MemberId] = [2] });
        Assert.That((await bSync).Assignment.ToArray(), Is.EqualTo(new byte[] { 2 }));
        Assert.That(aSync.Assignment.ToArray(), Is.EqualTo(new byte[] { 1 }));
        Assert.That(_h.GroupState()!.SubscribedTopics, Is.EquivalentTo(new[] { "t", "other" }));
    }

    [Test]
    public async Task TheInitialRebalanceDelayHoldsTheFirstRebalanceOfAnEmptyGroup()
    {
        await using var h = new GroupHarness(new() { ["group.initial.rebalance.delay.ms"] = "3000" });
        var a = h.JoinAsync();
        await h.AdvanceAsync(2000);
        var b = h.JoinAsync();
        await h.AdvanceAsync(1500);
        Assert.That(a.IsCompleted, Is.False, "a new member extends the delay by another 3 s (up to the rebalance timeout)");
        await h.AdvanceAsync(2000);
        Assert.That(a.IsCompleted, Is.False);
        await h.AdvanceAsync(500);
        Assert.That((await a).GenerationId, Is.EqualTo(1));
        Assert.That((await a).Members, Has.Count.EqualTo(2));
        Assert.That((await b).GenerationId, Is.EqualTo(1));
    }

    [Test]
    public async Task ASilentMemberIsRemovedAfterItsSessionTimeoutAndTheGroupRebalances()
    {
        var (a, b) = await _h.SecondGenerationAsync();
        await _h.SyncAsync(a, 2, new() { [a] = [1], [b] = [2] });
        await _h.SyncAsync(b, 2);

        await _h.AdvanceAsync(GroupHarness.SessionTimeoutMs - 1000);
        Assert.That(await _h.HeartbeatAsync(a, 2), Is.EqualTo(ErrorCode.None));
        await _h.AdvanceAsync(1000);
        Assert.That(_h.GroupState()!.Members.Keys, Is.EquivalentTo(new[] { a }), "b never heartbeated");
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.PreparingRebalance));
        Assert.That(await _h.HeartbeatAsync(b, 2), Is.EqualTo(ErrorCode.UnknownMemberId));
        Assert.That(await _h.HeartbeatAsync(a, 2), Is.EqualTo(ErrorCode.RebalanceInProgress));
        var rejoined = await _h.JoinAsync(memberId: a);
        Assert.That(rejoined.GenerationId, Is.EqualTo(3));
    }

    [Test]
    public async Task TheLastMemberTimingOutLeavesTheGroupEmpty()
    {
        await _h.StableSingleMemberAsync();
        await _h.AdvanceAsync(GroupHarness.SessionTimeoutMs);
        var group = _h.GroupState()!;
        Assert.That(group.State, Is.EqualTo(ClassicGroupState.Empty));
        Assert.That(group.GenerationId, Is.EqualTo(2));
        Assert.That(group.ProtocolName, Is.Null);
    }

    [Test]
    public async Task AMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped()
    {
        var a = await _h.StableSingleMemberAsync();
        var bJoin = _h.JoinAsync();
        // a keeps heartbeating but never rejoins.
        for (var t = 0; t < GroupHarness.RebalanceTimeoutMs; t += 5000)
        {
            await _h.AdvanceAsync(5000);
            await _h.HeartbeatAsync(a, 1);
        }
        var b = await bJoin;
        Assert.That((ErrorCode)b.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(b.Leader, Is.EqualTo(b.MemberId), "the leader must be a member that rejoined");
        Assert.That(_h.GroupState()!.Members.Keys, Is.EquivalentTo(new[] { b.MemberId }));
    }

    [Test]
    public async Task AMemberThatJoinsButNeverSyncsIsRemovedAfterTheRebalanceTimeout()
    {
        var (a, b) = await _h.SecondGenerationAsync();
        var bSync = _h.SyncAsync(b, 2);
        await _h.AdvanceAsync(GroupHarness.RebalanceTimeoutMs);
        Assert.That((ErrorCode)(await bSync).ErrorCode, Is.EqualTo(ErrorCode.RebalanceInProgress));
        Assert.That(_h.GroupState()!.Members.Keys, Does.Not.Contain(a), "the leader never sent its assignment");
    }

    [Test]
    public async Task ErrorCodesForWrongJoinsSyncsAndHeartbeats()
    {
        var a = await _h.StableSingleMemberAsync();
        Assert.Multiple(async () =>
        {
            Assert.That((ErrorCode)(await _h.JoinAsync(protocol: "roundrobin")).ErrorCode, Is.EqualTo(ErrorCode.InconsistentGroupProtocol));
            Assert.That((ErrorCode)(await _h.JoinAsync(protocolType: "connect")).ErrorCode, Is.EqualTo(ErrorCode.InconsistentGroupProtocol));
            Assert.That((ErrorCode)(await _h.JoinAsync(sessionTimeoutMs: 1000)).ErrorCode, Is.EqualTo(ErrorCode.InvalidSessionTimeout));
            Assert.That((ErrorCode)(await _h.JoinAsync(memberId: "ghost")).ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That((ErrorCode)(await _h.JoinAsync(memberId: "ghost", group: "nobody")).ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That((ErrorCode)(await _h.JoinAsync(group: "")).ErrorCode, Is.EqualTo(ErrorCode.InvalidGroupId));
            Assert.That(await _h.HeartbeatAsync(a, 7), Is.EqualTo(ErrorCode.IllegalGeneration));
            Assert.That(await _h.HeartbeatAsync("ghost", 1), Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That(await _h.HeartbeatAsync(a, 1, group: "nobody"), Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That((ErrorCode)(await _h.SyncAsync(a, 7)).ErrorCode, Is.EqualTo(ErrorCode.IllegalGeneration));
            Assert.That((ErrorCode)(await _h.SyncAsync("ghost", 1)).ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId));
        });
        var inconsistent = await _h.Coordinator.SyncGroupAsync(new SyncGroupParams(GroupHarness.Group, 1, a, null, "consumer", "roundrobin", new Dictionary<string, byte[]>()));
        Assert.That((ErrorCode)inconsistent.ErrorCode, Is.EqualTo(ErrorCode.InconsistentGroupProtocol));
    }

    [Test]
    public async Task ProtocolSelectionPicksOneEveryMemberSupports()
    {
        var aJoin = _h.Coordinator.JoinGroupAsync(new JoinGroupParams(GroupHarness.Group, "", null, "c", "/h", 10_000, 30_000, "consumer",
            [new MemberProtocol("cooperative-sticky", GroupHarness.Subscription("t")), new MemberProtocol("range", GroupHarness.Subscription("t"))], false));
        var a = await aJoin;
        Assert.That(a.ProtocolName, Is.EqualTo("cooperative-sticky"));
        await _h.SyncAsync(a.MemberId, 1, new() { [a.MemberId] = [1] });
        var bJoin = _h.JoinAsync(protocol: "range");
        var aAgain = await _h.Coordinator.JoinGroupAsync(new JoinGroupParams(GroupHarness.Group, a.MemberId, null, "c", "/h", 10_000, 30_000, "consumer",
            [new MemberProtocol("cooperative-sticky", GroupHarness.Subscription("t")), new MemberProtocol("range", GroupHarness.Subscription("t"))], false));
        Assert.That(aAgain.ProtocolName, Is.EqualTo("range"), "the only protocol both support");
        Assert.That((await bJoin).ProtocolName, Is.EqualTo("range"));
    }

    [Test]
    public async Task LeavingRebalancesAtOnceAndTheLastLeaverEmptiesTheGroup()
    {
        var a = await _h.StableSingleMemberAsync();
        var left = await _h.Coordinator.LeaveGroupAsync(GroupHarness.Group, [new MemberIdentity(a, null), new MemberIdentity("ghost", null)]);
        Assert.That(left.Members.Select(m => m.Error), Is.EqualTo(new[] { ErrorCode.None, ErrorCode.UnknownMemberId }));
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Empty));
        var unknownGroup = await _h.Coordinator.LeaveGroupAsync("nobody", [new MemberIdentity("x", null)]);
        Assert.That(unknownGroup.Members.Single().Error, Is.EqualTo(ErrorCode.UnknownMemberId));
    }

    [Test]
    public async Task AStaticMemberRestartingGetsItsAssignmentBackWithoutARebalance()
    {
        var old = await _h.StableSingleMemberAsync(instanceId: "pod-1", assignment: [4, 2]);
        var generation = _h.GroupState()!.GenerationId;

        var rejoined = await _h.JoinAsync(instanceId: "pod-1");
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(rejoined.MemberId, Is.Not.EqualTo(old));
        Assert.That(rejoined.GenerationId, Is.EqualTo(generation), "no rebalance");
        Assert.That(rejoined.SkipAssignment, Is.True, "a static leader is told to skip the assignment (KIP-814)");
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable));
        var synced = await _h.SyncAsync(rejoined.MemberId, generation, instanceId: "pod-1");
        Assert.That(synced.Assignment.ToArray(), Is.EqualTo(new byte[] { 4, 2 }));

        Assert.That(await _h.HeartbeatAsync(old, generation, "pod-1"), Is.EqualTo(ErrorCode.FencedInstanceId), "the old incarnation is fenced");
        Assert.That((ErrorCode)(await _h.SyncAsync(old, generation, instanceId: "pod-1")).ErrorCode, Is.EqualTo(ErrorCode.FencedInstanceId));
        Assert.That((await _h.CommitAsync(5, generation, old, instanceId: "pod-1")).Single(), Is.EqualTo(ErrorCode.FencedInstanceId));
    }

    [Test]
    public async Task AStaticMemberCanBeRemovedByItsInstanceIdAlone()
    {
        await _h.StableSingleMemberAsync(instanceId: "pod-1");
        var left = await _h.Coordinator.LeaveGroupAsync(GroupHarness.Group, [new MemberIdentity("", "pod-1")]);
        Assert.That(left.Members.Single().Error, Is.EqualTo(ErrorCode.None));
        Assert.That(_h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Empty));
    }

    [Test]
    public async Task RequestsWhileLoadingGetCoordinatorLoadInProgress()
    {
        await _h.StableSingleMemberAsync();
        using var hold = new ManualResetEventSlim(false);
        await _h.RestartAsync(hold);
        Assert.That((ErrorCode)(await _h.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.CoordinatorLoadInProgress));
        Assert.That((await _h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, null)).Error, Is.EqualTo(ErrorCode.CoordinatorLoadInProgress));
        Assert.That((await _h.Coordinator.ListGroupsAsync(null)).Error, Is.EqualTo(ErrorCode.CoordinatorLoadInProgress));
        hold.Set();
        await _h.SettleAsync();
        Assert.That((await _h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, null)).Error, Is.EqualTo(ErrorCode.None));
    }
}
