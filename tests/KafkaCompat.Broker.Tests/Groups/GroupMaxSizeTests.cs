using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups;

/// <summary>group.max.size is checked on every join, as Kafka's acceptJoiningMember does, not only when a member id is handed out.</summary>
public class GroupMaxSizeTests
{
    [Test]
    public async Task AMemberIdHandedOutWhileThereWasRoomIsRefusedOnceTheGroupIsFull()
    {
        await using var h = new GroupHarness(new() { ["group.max.size"] = "1" });
        // Both ids are handed out while the group is empty (KIP-394): an empty group takes anyone.
        var first = await h.JoinAsync(requireKnownMemberId: true);
        var second = await h.JoinAsync(requireKnownMemberId: true);
        Assert.That(((ErrorCode)first.ErrorCode, (ErrorCode)second.ErrorCode), Is.EqualTo((ErrorCode.MemberIdRequired, ErrorCode.MemberIdRequired)));

        var joined = await h.JoinAsync(memberId: first.MemberId, requireKnownMemberId: true);
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None));
        // Admitted, the second member would wait in the join phase for a rebalance the hand-moved clock never ends.
        var join = h.JoinAsync(memberId: second.MemberId, requireKnownMemberId: true);
        await Task.WhenAny(join, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.That(join.IsCompleted, Is.True, "the join was answered at once, not admitted into a rebalance");
        Assert.That((ErrorCode)(await join).ErrorCode, Is.EqualTo(ErrorCode.GroupMaxSizeReached));
        Assert.That(h.GroupState()!.Members.Keys, Is.EqualTo(new[] { first.MemberId }), "one member, as group.max.size says");
        Assert.That(h.GroupState()!.PendingJoinMembers, Is.Empty, "the refused id is forgotten");
    }

    [Test]
    public async Task AMemberOfAFullGroupStillRejoins()
    {
        await using var h = new GroupHarness(new() { ["group.max.size"] = "1" });
        var member = await h.StableSingleMemberAsync();

        var rejoined = await h.JoinAsync(memberId: member);

        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(h.GroupState()!.State, Is.Not.EqualTo(ClassicGroupState.Empty));
    }
}
