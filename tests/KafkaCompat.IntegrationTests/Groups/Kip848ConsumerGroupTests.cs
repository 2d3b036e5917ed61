using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// KIP-848 consumer groups (<c>group.protocol=consumer</c>) with Confluent.Kafka 2.15.1 /
/// librdkafka 2.15.1: the broker assigns the partitions (uniform assignor) and members reconcile
/// through ConsumerGroupHeartbeat; offsets are committed with the member epoch (OffsetCommit v9+).
/// </summary>
[TestFixture]
public sealed class Kip848ConsumerGroupTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private InProcessBroker _broker = null!;

    /// <summary>Heartbeats every half second so members learn of a new target quickly.</summary>
    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(
        [.. ConsumerGroupTests.BrokerOverrides, "group.consumer.heartbeat.interval.ms=500", "group.consumer.session.timeout.ms=6000"]);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(120);

    private string Bootstrap => _broker.BootstrapServers;

    /// <summary>The settings librdkafka refuses with the consumer protocol (the broker owns them) are removed.</summary>
    private static void ConsumerProtocol(ConsumerConfig config)
    {
        config.Set("group.protocol", "consumer");
        config.SessionTimeoutMs = null;
        config.HeartbeatIntervalMs = null;
    }

    [Test]
    public async Task ThreeMembersShareSixPartitionsAndTheOthersTakeOverWhenOneLeavesWithEveryRecordCommittedOnce()
    {
        const string topic = "kip848-six-partitions";
        const string group = "kip848-three-members";
        const int partitions = 6;
        await CreateTopicAsync(Bootstrap, topic, partitions);
        var all = Enumerable.Range(0, partitions).ToArray();
        var sent = await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, "first", 120);

        using var a = new GroupConsumer(Bootstrap, group, "kip848-a", configure: ConsumerProtocol);
        using var b = new GroupConsumer(Bootstrap, group, "kip848-b", configure: ConsumerProtocol);
        using var c = new GroupConsumer(Bootstrap, group, "kip848-c", configure: ConsumerProtocol);
        GroupConsumer[] members = [a, b, c];
        GroupConsumer.SubscribeAndShare(members, topic, all, 2, Bounded);
        GroupConsumer.PollUntil(members, () => GroupConsumer.AllCommitted(members, sent.Count), Bounded, "the first records committed");

        // c leaves (ConsumerGroupHeartbeat with epoch -1): a and b take its partitions.
        sent.AddRange(await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, "after-leave", 120));
        c.Close();
        GroupConsumer[] survivors = [a, b];
        GroupConsumer.PollUntil(survivors, () => survivors.SelectMany(m => m.Partitions).Order().SequenceEqual(all), Bounded, "the leaving member's partitions moving to the others");
        Assert.That(survivors.Select(m => m.Partitions.Length), Is.All.EqualTo(3), "two members, three partitions each: " + GroupConsumer.Describe(survivors));
        GroupConsumer.PollUntil(survivors, () => GroupConsumer.AllCommitted(members, sent.Count), Bounded, "the records produced after the leave committed");
        GroupConsumer.PollFor(survivors, TimeSpan.FromMilliseconds(500));

        GroupConsumer.AssertEveryRecordCommittedOnce(members, sent);
        Assert.That(members.SelectMany(m => m.Errors), Is.Empty, "client errors. " + GroupConsumer.Describe(members));
        var committed = a.Consumer.Committed(all.Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        Assert.That(committed.OrderBy(o => o.Partition.Value).Select(o => o.Offset.Value), Is.EqualTo(all.Select(_ => (long)(sent.Count / partitions))), "committed offsets: the end of every partition");
        a.Close();
        b.Close();
    }

    [Test]
    public async Task AKilledMembersPartitionsMoveToTheOtherAfterItsSessionTimesOut()
    {
        const string topic = "kip848-killed";
        const string group = "kip848-killed-member";
        const int partitions = 4;
        await CreateTopicAsync(Bootstrap, topic, partitions);
        var all = Enumerable.Range(0, partitions).ToArray();
        var sent = await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, "before-kill", 40);

        using var survivor = new GroupConsumer(Bootstrap, group, "kip848-survivor", configure: ConsumerProtocol);
        using var killed = new GroupConsumer(Bootstrap, group, "kip848-killed", configure: ConsumerProtocol);
        GroupConsumer[] both = [survivor, killed];
        GroupConsumer.SubscribeAndShare(both, topic, all, 2, Bounded);
        GroupConsumer.PollUntil(both, () => GroupConsumer.AllCommitted(both, sent.Count), Bounded, "the first records committed");

        // No leave heartbeat, no more heartbeats: only group.consumer.session.timeout.ms (6 s here) frees its partitions.
        killed.Dispose();
        sent.AddRange(await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, "after-kill", 40));
        GroupConsumer.PollUntil([survivor], () => survivor.Partitions.SequenceEqual(all), Bounded, "the killed member's partitions moving to the survivor");
        GroupConsumer.PollUntil([survivor], () => GroupConsumer.AllCommitted(both, sent.Count), Bounded, "the records produced after the kill committed");

        GroupConsumer.AssertEveryRecordCommittedOnce(both, sent);
        Assert.That(_broker.Log.Tail(int.MaxValue), Does.Contain($"of consumer group {group} fenced: session timeout"), "the member was fenced by its session timeout");
        survivor.Close();
    }
}
