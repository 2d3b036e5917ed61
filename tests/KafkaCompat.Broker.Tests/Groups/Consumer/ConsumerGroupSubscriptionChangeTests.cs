using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// A member changing its subscription (Kafka 4.x's CurrentAssignmentBuilder): the partitions of the
/// topics it no longer subscribes to are taken from it in the answer to that very heartbeat, whatever
/// the target assignment says and whatever state its reconciliation is in; a group epoch is bumped
/// by a subscription change, not by a change of assignor alone.
/// </summary>
public class ConsumerGroupSubscriptionChangeTests
{
    private static ConsumerGroup Group(GroupHarness h) => h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group)!;

    private static string[] Topics(GroupHarness h, IEnumerable<TopicIdPartition> partitions) =>
        [.. partitions.Select(p => h.Metadata.Image.Topic(p.TopicId)!.Name).Distinct().Order(StringComparer.Ordinal)];

    private static IEnumerable<TopicIdPartition> Assigned(Protocol.Messages.ConsumerGroupHeartbeatResponseData response) =>
        response.Assignment!.TopicPartitions.SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p)));

    /// <summary>A member of "six" and "other" that holds on to three partitions of "six" a second member (of "six" only) is to get.</summary>
    private static async Task<(ConsumerGroupMemberClient First, ConsumerGroupMemberClient Second)> FirstRevokingAsync(GroupHarness h)
    {
        await h.Metadata.CreateTopic("six", 6, new Dictionary<string, string>());
        var first = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "six,other") { HoldRevocations = true };
        await first.JoinAsync();
        Assert.That(Topics(h, first.Owned), Is.EqualTo(new[] { "other", "six" }));
        var second = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "six");
        await second.JoinAsync();
        await first.HeartbeatAsync();
        Assert.That(Group(h).Members[first.MemberId].State, Is.EqualTo(MemberState.UnrevokedPartitions), "it holds partitions the second member is to get");
        return (first, second);
    }

    [Test]
    public async Task AMemberStillRevokingThatDropsATopicLosesItsPartitionsInTheSameAnswer()
    {
        await using var h = new GroupHarness();
        var (first, _) = await FirstRevokingAsync(h);

        // Still holding them, it drops "other" from its subscription.
        var answer = await first.ResubscribeAsync(topics: "six");
        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.None), answer.ErrorMessage);
        Assert.That(answer.Assignment, Is.Not.Null, "its assignment changed");
        Assert.That(Topics(h, Assigned(answer)), Is.EqualTo(new[] { "six" }), "the partition of the topic it left is no longer assigned to it");
        var member = Group(h).Members[first.MemberId];
        Assert.That(member.State, Is.EqualTo(MemberState.UnrevokedPartitions));
        Assert.That(Topics(h, member.PartitionsPendingRevocation), Is.EqualTo(new[] { "other", "six" }), "to be revoked with the others");
        Assert.That(Topics(h, member.AssignedPartitions), Is.EqualTo(new[] { "six" }));
    }

    [Test]
    public async Task MoreToRevokeStartsTheRebalanceTimeoutAgain()
    {
        await using var h = new GroupHarness();
        var (first, second) = await FirstRevokingAsync(h);
        // Its rebalance timeout (30 s) runs from here.

        await h.AdvanceAsync(20_000);
        await first.ResubscribeAsync(topics: "six");
        await second.HeartbeatAsync();
        await h.AdvanceAsync(15_000);
        Assert.That(Group(h).Members.Keys, Does.Contain(first.MemberId), "35 s after it began revoking, but 15 s after it was given more to revoke");

        await h.AdvanceAsync(16_000);
        Assert.That(Group(h).Members.Keys, Does.Not.Contain(first.MemberId), "30 s after its assignment last changed, still holding what it must revoke");
    }

    [Test]
    public async Task AMemberMovingToARegexNotResolvedYetRevokesEverythingAtOnce()
    {
        await using var h = new GroupHarness();
        await h.Metadata.CreateTopic("orders-eu", 2, new Dictionary<string, string>());
        await h.Metadata.CreateTopic("pre-orders", 1, new Dictionary<string, string>());
        await h.SettleAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "", regex: "orders-.*");
        await member.JoinAsync();
        await h.SettleAsync();
        for (var i = 0; i < 3 && member.Owned.Count < 2; i++)
        {
            await member.HeartbeatAsync();
            await h.SettleAsync();
        }
        Assert.That(Topics(h, member.Owned), Is.EqualTo(new[] { "orders-eu" }));
        var epoch = Group(h).GroupEpoch;

        var answer = await member.ResubscribeAsync(newRegex: "pre-.*");
        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.None), answer.ErrorMessage);
        Assert.That(answer.Assignment, Is.Not.Null);
        Assert.That(Assigned(answer), Is.Empty, "a regular expression not resolved yet subscribes to nothing: orders-eu is taken away now");
        Assert.That(answer.MemberEpoch, Is.EqualTo(epoch), "no new epoch until the regular expression is resolved");

        // Once resolved, the member gets the topic the new regular expression matches.
        await h.SettleAsync();
        for (var i = 0; i < 4 && Topics(h, member.Owned) is not ["pre-orders"]; i++)
        {
            await member.HeartbeatAsync();
            await h.SettleAsync();
        }
        Assert.That(Topics(h, member.Owned), Is.EqualTo(new[] { "pre-orders" }));
    }

    [Test]
    public async Task ChangingOnlyTheAssignorDoesNotBumpTheGroupEpoch()
    {
        await using var h = new GroupHarness();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "t");
        await member.JoinAsync();
        var epoch = Group(h).GroupEpoch;
        var answer = await member.SendAsync(new Protocol.Messages.ConsumerGroupHeartbeatRequestData
        {
            GroupId = GroupHarness.Group, MemberId = member.MemberId, MemberEpoch = member.Epoch, ServerAssignor = "range",
        });
        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.None), answer.ErrorMessage);
        Assert.That(Group(h).Members[member.MemberId].ServerAssignor, Is.EqualTo("range"), "the member's record has it");
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(epoch), "Kafka bumps the epoch for subscribed names and regular expressions only");
    }

    [Test]
    public async Task DroppingTheRegexBumpsTheGroupEpochAtOnce()
    {
        await using var h = new GroupHarness();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "t");
        await member.JoinAsync();
        await member.ResubscribeAsync(newRegex: "oth.*");
        await h.SettleAsync();
        await member.HeartbeatAsync();
        var epoch = Group(h).GroupEpoch;
        Assert.That(Group(h).ResolvedRegularExpressions.Keys, Is.EqualTo(new[] { "oth.*" }));

        var answer = await member.ResubscribeAsync(newRegex: "");
        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.None), answer.ErrorMessage);
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(epoch + 1), "no resolution to wait for");
        Assert.That(Topics(h, Group(h).TargetOf(member.MemberId)), Is.EqualTo(new[] { "t" }));
    }
}
