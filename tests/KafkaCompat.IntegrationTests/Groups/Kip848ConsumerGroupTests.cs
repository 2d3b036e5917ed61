using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// KIP-848 consumer groups (<c>group.protocol=consumer</c>) with Confluent.Kafka 2.15.1 /
/// librdkafka 2.15.1: the broker assigns the partitions (uniform assignor) and members reconcile
/// through ConsumerGroupHeartbeat; offsets are committed with the member epoch (OffsetCommit v9+).
/// </summary>
[TestFixture]
public sealed partial class Kip848ConsumerGroupTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private InProcessBroker _broker = null!;

    /// <summary>Heartbeats every half second so members learn of a new target quickly.</summary>
    internal static readonly string[] BrokerOverrides =
        [.. ConsumerGroupTests.BrokerOverrides, "group.consumer.heartbeat.interval.ms=500", "group.consumer.session.timeout.ms=6000"];

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(BrokerOverrides);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(120);

    private string Bootstrap => _broker.BootstrapServers;

    /// <summary>The settings librdkafka refuses with the consumer protocol (the broker owns them) are removed.</summary>
    internal static void ConsumerProtocol(ConsumerConfig config)
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

    /// <summary>
    /// The admin client's DescribeConsumerGroups of a consumer group: librdkafka 2.15.1 sends
    /// ConsumerGroupDescribe (v0) to a broker that serves it, and shows the state, the assignor and each
    /// member's current and target assignment from its answer.
    /// </summary>
    [Test]
    public async Task TheAdminClientDescribesAConsumerGroupOfTwoMembersThroughConsumerGroupDescribe()
    {
        const string topic = "kip848-describe";
        const string group = "kip848-described";
        const int partitions = 4;
        await CreateTopicAsync(Bootstrap, topic, partitions);
        var all = Enumerable.Range(0, partitions).ToArray();

        using var a = new GroupConsumer(Bootstrap, group, "kip848-describe-a", configure: ConsumerProtocol);
        using var b = new GroupConsumer(Bootstrap, group, "kip848-describe-b", configure: ConsumerProtocol);
        GroupConsumer[] members = [a, b];
        GroupConsumer.SubscribeAndShare(members, topic, all, 2, Bounded);

        var sent = new ConcurrentDictionary<string, short>();
        var config = new AdminClientConfig { BootstrapServers = Bootstrap, Debug = "protocol" };
        using var admin = new AdminClientBuilder(config).SetLogHandler((_, log) =>
        {
            foreach (Match m in SentRequest().Matches(log.Message))
            {
                sent[m.Groups["api"].Value] = short.Parse(m.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }).Build();
        // The group is stable once each member's next heartbeat tells the coordinator it owns its target.
        var deadline = DateTime.UtcNow + Bounded;
        ConsumerGroupDescription described;
        while (true)
        {
            described = (await admin.DescribeConsumerGroupsAsync([group], new DescribeConsumerGroupsOptions { IncludeAuthorizedOperations = true }))
                .ConsumerGroupDescriptions.Single();
            if (described.State == ConsumerGroupState.Stable || DateTime.UtcNow > deadline)
            {
                break;
            }
            GroupConsumer.PollFor(members, TimeSpan.FromMilliseconds(200));
        }

        TestContext.Out.WriteLine("librdkafka sent: " + string.Join(", ", sent.OrderBy(s => s.Key).Select(s => $"{s.Key} v{s.Value}")));
        // librdkafka 2.15.1 knows ConsumerGroupDescribe v0 only (no member type).
        Assert.That(sent.GetValueOrDefault("ConsumerGroupDescribe", (short)-1), Is.EqualTo(0), "librdkafka 2.15.1 describes the group with ConsumerGroupDescribe v0");
        Assert.That(sent.ContainsKey("DescribeGroups"), Is.False, "no fallback to the classic describe");
        Assert.That(described.Error.IsError, Is.False, described.Error.Reason);
        Assert.That(described.GroupType, Is.EqualTo(ConsumerGroupType.Consumer));
        Assert.That(described.State, Is.EqualTo(ConsumerGroupState.Stable));
        Assert.That(described.PartitionAssignor, Is.EqualTo("uniform"));
        Assert.That(described.AuthorizedOperations, Is.SupersetOf(new[] { AclOperation.Read, AclOperation.Describe, AclOperation.Delete }));
        Assert.That(described.Members.Select(m => m.ClientId), Is.EquivalentTo(new[] { "kip848-describe-a", "kip848-describe-b" }));
        foreach (var (member, consumer) in members.Select(c => (described.Members.Single(m => m.ClientId == c.Name), c)))
        {
            Assert.That(member.ConsumerId, Is.EqualTo(consumer.Consumer.MemberId));
            Assert.That(member.Assignment.TopicPartitions.Select(tp => (tp.Topic, tp.Partition.Value)), Is.EquivalentTo(consumer.Partitions.Select(p => (topic, p))));
            Assert.That(member.TargetAssignment!.TopicPartitions, Is.EquivalentTo(member.Assignment.TopicPartitions), "a stable group's members own their targets");
        }
        a.Close();
        b.Close();
    }

    [GeneratedRegex(@"Sent (?<api>\w+)Request \(v(?<version>\d+)")]
    private static partial Regex SentRequest();
}
