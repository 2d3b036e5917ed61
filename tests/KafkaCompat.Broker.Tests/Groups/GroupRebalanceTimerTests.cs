using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups;

/// <summary>
/// The timers that end the join and sync phases (Kafka's GroupMetadataManager): the initial
/// rebalance delay, pending (KIP-394) members' session timeouts, the rebalance timeout, and what
/// members leaving or timing out do to a phase in progress. Times are those of the hand-moved clock.
/// </summary>
public class GroupRebalanceTimerTests
{
    private const int InitialDelayMs = 3000;

    private static GroupHarness WithInitialDelay() => new(new() { ["group.initial.rebalance.delay.ms"] = InitialDelayMs.ToString() });

    [Test]
    public async Task AnAbandonedPendingMemberHoldsALaterRebalanceOnlyUntilItsSessionTimeout()
    {
        // Found with librdkafka: a client dropped the MEMBER_ID_REQUIRED answer of its first JoinGroup
        // and started over, leaving the first id pending; the group's next rebalance then took the
        // whole rebalance timeout.
        await using var h = WithInitialDelay();
        var abandoned = await h.JoinAsync(requireKnownMemberId: true);
        var assigned = await h.JoinAsync(requireKnownMemberId: true);
        Assert.That((ErrorCode)abandoned.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
        Assert.That((ErrorCode)assigned.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
        var firstJoin = h.JoinAsync(memberId: assigned.MemberId, requireKnownMemberId: true);
        await h.AdvanceAsync(InitialDelayMs);
        var first = await firstJoin;
        Assert.That(first.GenerationId, Is.EqualTo(1), "the initial rebalance ends with its delay, pending members or not");
        await h.SyncAsync(first.MemberId, 1, new() { [first.MemberId] = [1] });
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable));
        Assert.That(h.GroupState()!.PendingJoinMembers.Keys, Is.EqualTo(new[] { abandoned.MemberId }));

        // The only member rejoins (librdkafka does when a subscribed topic appears).
        var rejoin = h.JoinAsync(memberId: first.MemberId, requireKnownMemberId: true);
        await h.AdvanceAsync(GroupHarness.SessionTimeoutMs - InitialDelayMs - 1);
        Assert.That(rejoin.IsCompleted, Is.False, "the pending id may still join until its session timeout");
        await h.AdvanceAsync(1);
        Assert.That(rejoin.IsCompleted, Is.True,
            $"the join phase ends when the abandoned id expires, {GroupHarness.SessionTimeoutMs} ms after it was handed out, not at the {GroupHarness.RebalanceTimeoutMs} ms rebalance timeout");
        var second = await rejoin;
        Assert.That((ErrorCode)second.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(second.GenerationId, Is.EqualTo(2));
        Assert.That(second.Leader, Is.EqualTo(first.MemberId));
        Assert.That(h.GroupState()!.PendingJoinMembers, Is.Empty);
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.CompletingRebalance));
    }

    [Test]
    public async Task WithNoInitialDelayTheFirstRebalanceDoesNotWaitForPendingMembers()
    {
        // Kafka ends an empty group's first rebalance on its initial-delay timer alone, a 0 ms one included.
        await using var h = new GroupHarness();
        var abandoned = await h.JoinAsync(requireKnownMemberId: true);
        var assigned = await h.JoinAsync(requireKnownMemberId: true);
        var join = h.JoinAsync(memberId: assigned.MemberId, requireKnownMemberId: true);
        await h.SettleAsync();
        Assert.That(join.IsCompleted, Is.True, "no time passed");
        Assert.That((await join).GenerationId, Is.EqualTo(1));
        Assert.That(h.GroupState()!.Members.Keys, Is.EqualTo(new[] { assigned.MemberId }));
        Assert.That(h.GroupState()!.PendingJoinMembers.Keys, Is.EqualTo(new[] { abandoned.MemberId }), "it expires on its own timer");
    }

    [Test]
    public async Task APendingMemberExpiringDuringTheInitialDelayEndsTheJoinPhase()
    {
        await using var h = WithInitialDelay();
        await h.JoinAsync(requireKnownMemberId: true);
        var joins = new List<Task<JoinGroupResponseData>> { h.JoinAsync() };
        // A new member every 2 s extends the 3 s delay again and again (up to the rebalance timeout):
        // by the last one, at 8 s, it would run to 12 s.
        for (var i = 0; i < 4; i++)
        {
            await h.AdvanceAsync(2000);
            joins.Add(h.JoinAsync());
        }
        await h.AdvanceAsync(GroupHarness.SessionTimeoutMs - 8000 - 1);
        Assert.That(joins.Any(j => j.IsCompleted), Is.False);

        // Kafka completes a join phase as soon as a pending member's expiry leaves every member joined.
        await h.AdvanceAsync(1);
        Assert.That(joins.All(j => j.IsCompleted), Is.True);
        var answers = await Task.WhenAll(joins);
        Assert.That(answers.Select(a => a.GenerationId).Distinct(), Is.EqualTo(new[] { 1 }));
        Assert.That(h.GroupState()!.Members, Has.Count.EqualTo(5));
    }

    [Test]
    public async Task AMemberSilentDuringTheJoinPhaseIsRemovedAtItsSessionTimeoutWhichEndsThePhase()
    {
        await using var h = new GroupHarness();
        var (a, b) = await h.SecondGenerationAsync();
        await h.SyncAsync(a, 2, new() { [a] = [1], [b] = [2] });
        await h.SyncAsync(b, 2);

        // a rejoins; b neither rejoins nor heartbeats.
        var aJoin = h.JoinAsync(memberId: a);
        await h.AdvanceAsync(GroupHarness.SessionTimeoutMs - 1);
        Assert.That(aJoin.IsCompleted, Is.False);
        await h.AdvanceAsync(1);
        Assert.That(aJoin.IsCompleted, Is.True, "b's session expired and every member left has joined: no wait for the rebalance timeout");
        Assert.That((await aJoin).GenerationId, Is.EqualTo(3));
        Assert.That(h.GroupState()!.Members.Keys, Is.EqualTo(new[] { a }));
    }

    [Test]
    public async Task AFollowerWaitingForTheLeadersAssignmentIsNotExpiredWhileItWaits()
    {
        await using var h = new GroupHarness();
        var (a, b) = await h.SecondGenerationAsync();
        var bSync = h.SyncAsync(b, 2);
        // a heartbeats but is slow to assign; b is blocked in its SyncGroup and cannot heartbeat.
        for (var elapsed = 0; elapsed < GroupHarness.SessionTimeoutMs * 2; elapsed += 2500)
        {
            await h.HeartbeatAsync(a, 2);
            await h.AdvanceAsync(2500);
        }
        Assert.That(bSync.IsCompleted, Is.False);
        Assert.That(h.GroupState()!.Members.Keys, Is.EquivalentTo(new[] { a, b }));
        await h.SyncAsync(a, 2, new() { [a] = [1], [b] = [2] });
        Assert.That((await bSync).Assignment.ToArray(), Is.EqualTo(new byte[] { 2 }));
    }

    [Test]
    public async Task AFollowerThatHeartbeatsButNeverSyncsIsRemovedAtTheRebalanceTimeoutEvenOnceStable()
    {
        await using var h = new GroupHarness();
        var (a, b) = await h.SecondGenerationAsync();
        await h.SyncAsync(a, 2, new() { [a] = [1], [b] = [2] });
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable), "the leader's assignment is stored");

        // b heartbeats (the coordinator cannot tell it from a member that synced) but never sends SyncGroup.
        for (var elapsed = 0; elapsed < GroupHarness.RebalanceTimeoutMs - 2500; elapsed += 2500)
        {
            await h.AdvanceAsync(2500);
            Assert.That(await h.HeartbeatAsync(a, 2), Is.EqualTo(ErrorCode.None));
            Assert.That(await h.HeartbeatAsync(b, 2), Is.EqualTo(ErrorCode.None));
        }
        await h.AdvanceAsync(2500);
        Assert.That(h.GroupState()!.Members.Keys, Is.EqualTo(new[] { a }), "removed when the sync phase's rebalance timeout expired");
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.PreparingRebalance));
    }

    [Test]
    public async Task TheLeaderLeavingDuringCompletingRebalanceSendsTheFollowersBackToJoin()
    {
        await using var h = new GroupHarness();
        var (a, b) = await h.SecondGenerationAsync();
        var bSync = h.SyncAsync(b, 2);
        await h.SettleAsync();

        var left = await h.Coordinator.LeaveGroupAsync(GroupHarness.Group, [new MemberIdentity(a, null)]);
        Assert.That(left.Members.Single().Error, Is.EqualTo(ErrorCode.None));
        Assert.That((ErrorCode)(await bSync).ErrorCode, Is.EqualTo(ErrorCode.RebalanceInProgress));
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.PreparingRebalance));
        var rejoined = await h.JoinAsync(memberId: b);
        Assert.That(rejoined.GenerationId, Is.EqualTo(3));
        Assert.That(rejoined.Leader, Is.EqualTo(b), "the follower that stayed leads the next generation");
    }
}
