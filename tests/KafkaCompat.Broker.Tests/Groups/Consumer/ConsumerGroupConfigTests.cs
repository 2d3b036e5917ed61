using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Tests.Handlers;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// KIP-848's GROUP configs acted on by the consumer-group coordinator: consumer.heartbeat.interval.ms
/// set on a group is the interval its members are given, and consumer.session.timeout.ms is how long
/// a silent member keeps its place. Set through IncrementalAlterConfigs, as kafka-configs.sh
/// --entity-type groups sets them; times are those of the hand-moved clock.
/// </summary>
public class ConsumerGroupConfigTests
{
    private const sbyte Set = 0;
    private const sbyte Delete = 1;

    private static async Task AlterGroupAsync(GroupHarness h, params (string Name, sbyte Operation, string? Value)[] configs)
    {
        var result = (await GroupConfigHandlerTests.AlterAsync(h, GroupHarness.Group, configs)).Responses.Single();
        Assert.That((ErrorCode)result.ErrorCode, Is.EqualTo(ErrorCode.None), result.ErrorMessage);
    }

    private static ConsumerGroup Group(GroupHarness h) => h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group)!;

    [Test]
    public async Task TheHeartbeatIntervalSetOnTheGroupIsTheOneItsMembersAreGiven()
    {
        await using var h = new GroupHarness();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "t");
        var before = await member.JoinAsync();
        Assert.That(before.HeartbeatIntervalMs, Is.EqualTo(5000), "Kafka's group.consumer.heartbeat.interval.ms");

        await AlterGroupAsync(h, ("consumer.heartbeat.interval.ms", Set, "8000"));
        var after = await member.HeartbeatAsync();
        Assert.That(after.HeartbeatIntervalMs, Is.EqualTo(8000), "the next heartbeat already carries the group's interval");

        await AlterGroupAsync(h, ("consumer.heartbeat.interval.ms", Delete, null));
        var reset = await member.HeartbeatAsync();
        Assert.That(reset.HeartbeatIntervalMs, Is.EqualTo(5000), "deleted, the broker's value applies again");
    }

    [Test]
    public async Task ASilentMemberExpiresAfterTheGroupsSessionTimeoutNotTheBrokers()
    {
        await using var h = new GroupHarness();
        await AlterGroupAsync(h, ("consumer.session.timeout.ms", Set, "55000"));
        var staying = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "t");
        var silent = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "t");
        Assert.That((ErrorCode)(await staying.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That((ErrorCode)(await silent.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));

        // The broker's group.consumer.session.timeout.ms (45 s) passes: the group's 55 s have not.
        for (var elapsed = 0; elapsed < 50_000; elapsed += 5000)
        {
            await h.AdvanceAsync(5000);
            await staying.HeartbeatAsync();
        }
        Assert.That(Group(h).Members.Keys, Does.Contain(silent.MemberId), "50 s of silence are within the group's 55 s session");

        await h.AdvanceAsync(5000);
        await staying.HeartbeatAsync();
        Assert.That(Group(h).Members.Keys, Is.EquivalentTo(new[] { staying.MemberId }), "expired once the group's session timeout passed");
    }

    [Test]
    public async Task TheGroupsSessionTimeoutStillAppliesAfterARestart()
    {
        await using var h = new GroupHarness();
        await AlterGroupAsync(h, ("consumer.session.timeout.ms", Set, "60000"), ("consumer.heartbeat.interval.ms", Set, "6000"));
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "t");
        Assert.That((ErrorCode)(await member.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));

        await h.RestartAsync();

        // Reloaded from __consumer_offsets, the member's session restarts from the load with the group's timeout.
        await h.AdvanceAsync(55_000);
        Assert.That(Group(h).Members.Keys, Does.Contain(member.MemberId), "55 s is within the group's 60 s session");
        var heartbeat = await member.HeartbeatAsync();
        Assert.That(heartbeat.HeartbeatIntervalMs, Is.EqualTo(6000), "the group's interval, read back from the metadata log");
    }
}
