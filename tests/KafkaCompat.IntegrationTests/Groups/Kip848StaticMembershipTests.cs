using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// Static membership in a KIP-848 consumer group (<c>group.instance.id</c> with
/// <c>group.protocol=consumer</c>), with Confluent.Kafka / librdkafka 2.15.1: a static member that
/// closes leaves with member epoch -2 (a temporary leave), so the coordinator keeps its partitions
/// for it until the session timeout, nobody else is rebalanced, and the same instance coming back
/// gets the same partitions.
/// </summary>
[TestFixture]
public sealed class Kip848StaticMembershipTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(Kip848ConsumerGroupTests.BrokerOverrides);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(120);

    private string Bootstrap => _broker.BootstrapServers;

    private static Action<ConsumerConfig> Static(string instanceId) => config =>
    {
        Kip848ConsumerGroupTests.ConsumerProtocol(config);
        config.GroupInstanceId = instanceId;
    };

    [Test]
    public async Task AStaticMemberThatRestartsWithinItsSessionGetsItsPartitionsBackAndTheOtherIsNotRebalanced()
    {
        const string topic = "kip848-static";
        const string group = "kip848-static-members";
        const int partitions = 4;
        await CreateTopicAsync(Bootstrap, topic, partitions);
        var all = Enumerable.Range(0, partitions).ToArray();
        var sent = await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, "before-restart", 40);

        using var stay = new GroupConsumer(Bootstrap, group, "kip848-static-stay", configure: Static("instance-stay"));
        var restart = new GroupConsumer(Bootstrap, group, "kip848-static-restart", configure: Static("instance-restart"));
        GroupConsumer[] both = [stay, restart];
        GroupConsumer.SubscribeAndShare(both, topic, all, 2, Bounded);
        GroupConsumer.PollUntil(both, () => GroupConsumer.AllCommitted(both, sent.Count), Bounded, "the first records committed");
        var kept = restart.Partitions;
        var stayed = stay.Partitions;
        var stayEvents = stay.Events.Count;

        // Close sends the static leave (epoch -2): the partitions stay reserved for the instance.
        restart.Close();
        sent.AddRange(await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, "while-away", 40));
        GroupConsumer.PollFor([stay], TimeSpan.FromSeconds(2));
        Assert.That(stay.Partitions, Is.EqualTo(stayed), "the member that stayed keeps its own partitions and gets none of the absent one's");

        using var back = new GroupConsumer(Bootstrap, group, "kip848-static-back", configure: Static("instance-restart"));
        GroupConsumer[] again = [stay, back];
        back.Subscribe(topic);
        GroupConsumer.PollUntil(again, () => back.Partitions.Length > 0, Bounded, "the restarted instance's assignment");
        Assert.That(back.Partitions, Is.EqualTo(kept), "the same instance gets the same partitions back");
        GroupConsumer.PollUntil(again, () => GroupConsumer.AllCommitted([stay, restart, back], sent.Count), Bounded, "the records produced while it was away committed");

        Assert.That(stay.Events.Skip(stayEvents), Is.Empty, "the member that stayed saw no rebalance: " + GroupConsumer.Describe(again));
        GroupConsumer.AssertEveryRecordCommittedOnce([stay, restart, back], sent);
        Assert.That(again.SelectMany(m => m.Errors), Is.Empty, "client errors. " + GroupConsumer.Describe(again));
        back.Close();
        stay.Close();
    }

    /// <summary>A second process with an instance id an active member holds is refused (UNRELEASED_INSTANCE_ID), and the holder keeps its partitions.</summary>
    [Test]
    public async Task ASecondMemberWithTheInstanceIdOfAnActiveOneIsRefusedWithUnreleasedInstanceId()
    {
        const string topic = "kip848-static-duplicate";
        const string group = "kip848-static-duplicate";
        await CreateTopicAsync(Bootstrap, topic, 2);

        using var holder = new GroupConsumer(Bootstrap, group, "kip848-static-holder", configure: Static("instance-taken"));
        GroupConsumer.SubscribeAndShare([holder], topic, [0, 1], 2, Bounded);

        using var duplicate = new GroupConsumer(Bootstrap, group, "kip848-static-duplicate", configure: Static("instance-taken"));
        duplicate.Subscribe(topic);
        var refused = Assert.Throws<ConsumeException>(() => GroupConsumer.PollUntil([holder, duplicate], () => false, Bounded, "the duplicate instance refused"))!;

        // librdkafka's text for UNRELEASED_INSTANCE_ID (111), which it treats as fatal.
        Assert.That(refused.Error.IsFatal, Is.True, refused.Error.ToString());
        Assert.That(refused.Error.Reason, Does.Contain("The instance ID is still used by another member"));
        Assert.That(duplicate.Partitions, Is.Empty);
        GroupConsumer.PollFor([holder], TimeSpan.FromSeconds(1));
        Assert.That(holder.Partitions, Is.EqualTo(new[] { 0, 1 }), "the holder keeps its partitions");
        Assert.That(holder.Errors, Is.Empty, "the holder's client errors");
        holder.Close();
    }
}
