using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// KIP-848 online migration with Confluent.Kafka 2.15.1 / librdkafka 2.15.1: three classic consumers
/// of a group rolled one by one to <c>group.protocol=consumer</c> (the first one upgrades the group,
/// the others meet a mixed group) and back to classic (the last consumer-protocol member's leave
/// downgrades it), with records flowing and manual commits throughout.
/// </summary>
[TestFixture]
public sealed class OnlineMigrationTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(45);

    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(Kip848ConsumerGroupTests.BrokerOverrides);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(200);

    private string Bootstrap => _broker.BootstrapServers;

    [Test]
    public async Task ThreeClassicConsumersRolledToTheConsumerProtocolAndBackConsumeEveryRecordOnce(
        [Values(PartitionAssignmentStrategy.Range, PartitionAssignmentStrategy.CooperativeSticky)] PartitionAssignmentStrategy strategy)
    {
        var topic = $"migration-{strategy}".ToLowerInvariant();
        var group = $"migration-group-{strategy}".ToLowerInvariant();
        const int partitions = 6;
        await CreateTopicAsync(Bootstrap, topic, partitions);
        var all = Enumerable.Range(0, partitions).ToArray();
        var sent = await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, "classic", 60);

        void Classic(ConsumerConfig config) => config.PartitionAssignmentStrategy = strategy;
        var everyone = new List<GroupConsumer>();
        GroupConsumer Start(string name, Action<ConsumerConfig> configure)
        {
            var consumer = new GroupConsumer(Bootstrap, group, name, configure: configure);
            everyone.Add(consumer);
            consumer.Subscribe(topic);
            return consumer;
        }
        var members = Enumerable.Range(0, 3).Select(i => Start($"classic-{i}", Classic)).ToArray();
        GroupConsumer.PollUntil(members, () => members.All(m => m.Partitions.Length == 2) && members.SelectMany(m => m.Partitions).Order().SequenceEqual(all), Bounded,
            "three classic members sharing six partitions");
        GroupConsumer.PollUntil(members, () => GroupConsumer.AllCommitted(everyone, sent.Count), Bounded, "the first records committed");

        // Each step replaces one member by one of the other protocol, with more records produced meanwhile.
        async Task Roll(int index, string name, Action<ConsumerConfig> configure)
        {
            members[index].Close();
            members[index] = Start(name, configure);
            sent.AddRange(await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, partitions, name, 30));
            GroupConsumer.PollUntil(members, () => members.All(m => m.Partitions.Length > 0) && members.SelectMany(m => m.Partitions).Order().SequenceEqual(all), Bounded,
                $"every partition owned once after {name} joined");
            GroupConsumer.PollUntil(members, () => GroupConsumer.AllCommitted(everyone, sent.Count), Bounded, $"the records produced while {name} joined committed");
            TestContext.Progress.WriteLine($"{name}: " + GroupConsumer.Describe(members));
        }
        for (var i = 0; i < 3; i++)
        {
            await Roll(i, $"consumer-{i}", Kip848ConsumerGroupTests.ConsumerProtocol);
        }
        for (var i = 0; i < 3; i++)
        {
            await Roll(i, $"classic-again-{i}", Classic);
        }
        GroupConsumer.PollFor(members, TimeSpan.FromMilliseconds(500));

        GroupConsumer.AssertEveryRecordCommittedOnce(everyone, sent);
        Assert.That(_broker.Log.Tail(int.MaxValue), Does.Contain($"Converting classic group {group}"), "the group was upgraded");
        Assert.That(_broker.Log.Tail(int.MaxValue), Does.Contain($"Downgrade group {group} from consumer to classic"), "and downgraded");
        foreach (var member in members)
        {
            member.Close();
        }
    }
}
