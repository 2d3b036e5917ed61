using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// <c>group.consumer.max.size</c> as Kafka's throwIfConsumerGroupIsFull applies it: a full consumer
/// group lets in only member ids it holds (a rejoin under the same id), and turns away anyone else with
/// GROUP_MAX_SIZE_REACHED: a new member, a static member coming back under a new id, a classic JoinGroup.
/// </summary>
public class ConsumerGroupMaxSizeTests
{
    private const string Topic = "six";

    private static async Task<GroupHarness> WithMaxSizeAsync(int maxSize)
    {
        var h = new GroupHarness(new() { ["group.consumer.max.size"] = maxSize.ToString() });
        await h.Metadata.CreateTopic(Topic, 6, new Dictionary<string, string>());
        return h;
    }

    private static ConsumerGroup Group(GroupHarness h) => h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group)!;

    [Test]
    public void TheDefaultIsUnboundedAndZeroIsRefused()
    {
        Assert.That(BrokerConfig.Create(new Dictionary<string, string>()).GroupConsumerMaxSize, Is.EqualTo(int.MaxValue));
        Assert.That(() => BrokerConfig.Create(new Dictionary<string, string> { ["group.consumer.max.size"] = "0" }), Throws.Exception);
    }

    [Test]
    public async Task ANewMemberOfAFullGroupIsTurnedAwayAndAMemberRejoiningUnderItsIdIsNot()
    {
        await using var h = await WithMaxSizeAsync(2);
        var first = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        var second = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        Assert.That((ErrorCode)(await first.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That((ErrorCode)(await second.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));
        var epoch = Group(h).GroupEpoch;

        var third = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        var refused = await third.JoinAsync();
        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.GroupMaxSizeReached));
        Assert.That(refused.ErrorMessage, Is.EqualTo("The consumer group has reached its maximum capacity of 2 members."));
        Assert.That(Group(h).Members.Keys, Is.EquivalentTo(new[] { first.MemberId, second.MemberId }));
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(epoch), "nothing was written");

        // Kafka checks the size before the member: an id the group does not hold is turned away even when not joining.
        var unknown = await third.SendAsync(new ConsumerGroupHeartbeatRequestData { GroupId = GroupHarness.Group, MemberId = third.MemberId, MemberEpoch = 1 });
        Assert.That((ErrorCode)unknown.ErrorCode, Is.EqualTo(ErrorCode.GroupMaxSizeReached));

        var rejoined = await first.JoinAsync();
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None), "a member already in the group is let in again");
        Assert.That((ErrorCode)(await second.HeartbeatAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));

        await second.LeaveAsync();
        Assert.That((ErrorCode)(await third.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.None), "a place is free again");
    }

    [Test]
    public async Task AStaticMemberComingBackUnderANewIdCountsAsNew()
    {
        await using var h = await WithMaxSizeAsync(1);
        var original = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-a");
        await original.JoinAsync();
        await original.LeaveAsync(ConsumerGroup.LeaveGroupStaticMemberEpoch);

        var replacement = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-a");
        var refused = await replacement.JoinAsync();
        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.GroupMaxSizeReached), "its new member id is not in the group");

        var back = await original.JoinAsync();
        Assert.That((ErrorCode)back.ErrorCode, Is.EqualTo(ErrorCode.None), back.ErrorMessage);
        Assert.That(back.Assignment!.TopicPartitions.Single().Partitions, Has.Count.EqualTo(6), "under its own id it takes its assignment back");
    }

    [Test]
    public async Task AClassicMemberJoiningAFullConsumerGroupIsTurnedAway()
    {
        await using var h = await WithMaxSizeAsync(1);
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        var joined = await h.JoinAsync(metadata: GroupHarness.Subscription(Topic));
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.GroupMaxSizeReached));
        Assert.That(Group(h).Members.Keys, Is.EquivalentTo(new[] { member.MemberId }));
    }
}
