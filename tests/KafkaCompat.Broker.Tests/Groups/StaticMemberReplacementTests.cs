using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups;

/// <summary>
/// KIP-345: a static member restarting (joining with its group.instance.id and no member id) replaces
/// its old member id. In a stable group Kafka rebalances only when the protocol the group would select
/// changes; otherwise it stores the member's new protocols and timeouts and answers at once.
/// </summary>
public class StaticMemberReplacementTests
{
    [Test]
    public async Task ANewSubscriptionUnderTheSameProtocolDoesNotRebalance()
    {
        await using var h = new GroupHarness();
        await h.StableSingleMemberAsync(instanceId: "pod-1", assignment: [4, 2]);
        var generation = h.GroupState()!.GenerationId;
        var subscription = GroupHarness.Subscription("t", "other");

        var rejoined = await h.JoinAsync(instanceId: "pod-1", metadata: subscription);
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(rejoined.GenerationId, Is.EqualTo(generation), "no rebalance: the selected protocol (range) is unchanged");
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable));
        var synced = await h.SyncAsync(rejoined.MemberId, generation, instanceId: "pod-1");
        Assert.That(synced.Assignment.ToArray(), Is.EqualTo(new byte[] { 4, 2 }));

        await h.RestartAsync();
        Assert.That(h.GroupState()!.Members[rejoined.MemberId].MetadataFor("range"), Is.EqualTo(subscription), "the new subscription was stored");
    }

    [Test]
    public async Task BeforeKip814ARestartedStaticLeaderIsAnsweredAsAFollower()
    {
        await using var h = new GroupHarness();
        var old = await h.StableSingleMemberAsync(instanceId: "pod-1", assignment: [4, 2]);
        var generation = h.GroupState()!.GenerationId;

        // JoinGroup v5-8: no skip_assignment field, so the answer must not make the leader assign again.
        var rejoined = await h.JoinAsync(instanceId: "pod-1", supportsSkippingAssignment: false);
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(rejoined.GenerationId, Is.EqualTo(generation));
        Assert.That(rejoined.Members, Is.Empty);
        Assert.That(rejoined.Leader, Is.EqualTo(old), "the leader as it was before this join, not the new id");
        Assert.That(rejoined.SkipAssignment, Is.False);
        Assert.That(h.GroupState()!.LeaderId, Is.EqualTo(rejoined.MemberId), "the group itself is led by the new id");
        var synced = await h.SyncAsync(rejoined.MemberId, generation, instanceId: "pod-1");
        Assert.That(synced.Assignment.ToArray(), Is.EqualTo(new byte[] { 4, 2 }));
    }

    [Test]
    public async Task AChangeOfTheSelectedProtocolRebalances()
    {
        await using var h = new GroupHarness();
        await h.StableSingleMemberAsync(instanceId: "pod-1");
        var generation = h.GroupState()!.GenerationId;
        var rejoined = await h.Coordinator.JoinGroupAsync(new JoinGroupParams(GroupHarness.Group, "", "pod-1", "client", "/127.0.0.1",
            GroupHarness.SessionTimeoutMs, GroupHarness.RebalanceTimeoutMs, "consumer",
            [new MemberProtocol("roundrobin", GroupHarness.Subscription("t")), new MemberProtocol("range", GroupHarness.Subscription("t"))], false));
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(rejoined.GenerationId, Is.EqualTo(generation + 1));
        Assert.That(rejoined.ProtocolName, Is.EqualTo("roundrobin"));
    }

    [Test]
    public async Task TheRestartedMembersSessionTimeoutIsTheOneItJoinedWith()
    {
        await using var h = new GroupHarness();
        await h.StableSingleMemberAsync(instanceId: "pod-1");
        var generation = h.GroupState()!.GenerationId;
        const int longerSessionMs = GroupHarness.SessionTimeoutMs * 2;
        var rejoined = await h.JoinAsync(instanceId: "pod-1", sessionTimeoutMs: longerSessionMs);
        Assert.That(rejoined.GenerationId, Is.EqualTo(generation));

        await h.AdvanceAsync(GroupHarness.SessionTimeoutMs / 2);
        Assert.That(await h.HeartbeatAsync(rejoined.MemberId, generation, "pod-1"), Is.EqualTo(ErrorCode.None));
        // Past the old session timeout after that heartbeat, within the new one.
        await h.AdvanceAsync(longerSessionMs - 1);
        Assert.That(h.GroupState()!.Members.Keys, Is.EqualTo(new[] { rejoined.MemberId }));
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable));
        await h.AdvanceAsync(1);
        Assert.That(h.GroupState()!.Members, Is.Empty, "its session times out after the new timeout");
    }
}
