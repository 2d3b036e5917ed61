using Confluent.Kafka;
using Confluent.Kafka.Admin;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// KIP-848 subscriptions following the cluster with librdkafka 2.15.1 (group.protocol=consumer):
/// a regular expression the broker resolves (RE2/J, whole names) picking up a topic created after the
/// consumer joined, partitions added by CreatePartitions, and a deleted topic, each reaching the
/// consumer's assignment through its heartbeats, without restarting or resubscribing it.
/// </summary>
public sealed partial class Kip848ConsumerGroupTests
{
    /// <summary>A topic created later is matched at the first heartbeat 10 s (REGEX_BATCH_REFRESH_MIN_INTERVAL_MS) after the last resolution, then assigned.</summary>
    private static readonly TimeSpan RegexBounded = TimeSpan.FromSeconds(60);

    private static string[] Assigned(GroupConsumer consumer) =>
        [.. consumer.Consumer.Assignment.Select(p => $"{p.Topic}-{p.Partition.Value}").Order(StringComparer.Ordinal)];

    [Test]
    public async Task ARegexSubscriptionPicksUpATopicCreatedAfterTheConsumerJoinedAndConsumesIt()
    {
        const string group = "kip848-regex";
        await CreateTopicAsync(Bootstrap, "kip848re-first", 2);
        await CreateTopicAsync(Bootstrap, "kip848re", 1);
        var sent = await ConsumerGroupTests.ProduceAsync(Bootstrap, "kip848re-first", 2, "first", 10);

        using var consumer = new GroupConsumer(Bootstrap, group, "kip848-regex", configure: ConsumerProtocol);
        consumer.Subscribe("^kip848re-.*");
        GroupConsumer.PollUntil([consumer], () => Assigned(consumer).SequenceEqual(["kip848re-first-0", "kip848re-first-1"]), Bounded,
            "the topic matching the regular expression assigned ('kip848re' does not match as a whole)");
        GroupConsumer.PollUntil([consumer], () => consumer.Committed.Count == sent.Count, Bounded, "the first topic's records");

        await CreateTopicAsync(Bootstrap, "kip848re-later", 3);
        var later = await ConsumerGroupTests.ProduceAsync(Bootstrap, "kip848re-later", 3, "later", 15);
        var took = GroupConsumer.PollUntil([consumer], () => consumer.Committed.Count(r => r.Topic == "kip848re-later") == later.Count, RegexBounded,
            "the records of the topic created after the consumer joined");
        TestContext.Progress.WriteLine($"the topic created later was consumed {took.TotalMilliseconds:0} ms after its records were produced");

        Assert.That(Assigned(consumer), Is.EqualTo(new[] { "kip848re-first-0", "kip848re-first-1", "kip848re-later-0", "kip848re-later-1", "kip848re-later-2" }));
        Assert.That(consumer.Delivered.Select(r => Text(r.Message.Value)), Is.EquivalentTo(sent.Concat(later)), "every record once");
        Assert.That(consumer.Errors, Is.Empty);
        consumer.Close();
    }

    [Test]
    public void AnInvalidRegexIsRefusedWithInvalidRegularExpression()
    {
        using var consumer = new GroupConsumer(Bootstrap, "kip848-bad-regex", "kip848-bad-regex", configure: ConsumerProtocol);
        // A backreference: librdkafka's own check (POSIX extended, glibc) lets it through, RE2/J (Kafka's engine) refuses it.
        consumer.Subscribe("^kip848bad(x)\\1.*");
        // librdkafka 2.15.1 takes INVALID_REGULAR_EXPRESSION from ConsumerGroupHeartbeat as fatal: Consume throws it.
        var refused = Assert.Throws<ConsumeException>(() => GroupConsumer.PollUntil([consumer], () => false, Bounded, "the coordinator's refusal"));
        Assert.That(refused!.Error.IsFatal, refused.Error.ToString());
        Assert.That(refused.Error.Reason, Does.Contain("The regular expression is not valid"));
    }

    [Test]
    public async Task PartitionsAddedByCreatePartitionsAreAssignedWithoutRestartingTheConsumer()
    {
        const string topic = "kip848-grows";
        await CreateTopicAsync(Bootstrap, topic, 2);
        using var consumer = new GroupConsumer(Bootstrap, "kip848-grows", "kip848-grows", configure: ConsumerProtocol);
        consumer.Subscribe(topic);
        GroupConsumer.PollUntil([consumer], () => consumer.Partitions.SequenceEqual([0, 1]), Bounded, "the first two partitions");

        using (var admin = Admin(Bootstrap))
        {
            await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 4 }]);
        }
        GroupConsumer.PollUntil([consumer], () => consumer.Partitions.SequenceEqual([0, 1, 2, 3]), Bounded, "the added partitions assigned");
        var sent = await ConsumerGroupTests.ProduceAsync(Bootstrap, topic, 4, "grown", 20);
        GroupConsumer.PollUntil([consumer], () => GroupConsumer.AllCommitted([consumer], sent.Count), Bounded, "the records of all four partitions");

        Assert.That(consumer.Committed.Select(r => r.Partition.Value).Distinct().Order(), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        GroupConsumer.AssertEveryRecordCommittedOnce([consumer], sent);
        consumer.Close();
    }

    [Test]
    public async Task ADeletedSubscribedTopicLeavesTheAssignment()
    {
        await CreateTopicAsync(Bootstrap, "kip848-kept", 2);
        await CreateTopicAsync(Bootstrap, "kip848-deleted", 2);
        using var consumer = new GroupConsumer(Bootstrap, "kip848-deleted-topic", "kip848-deleted-topic", configure: ConsumerProtocol);
        consumer.Consumer.Subscribe(["kip848-kept", "kip848-deleted"]);
        GroupConsumer.PollUntil([consumer], () => consumer.Consumer.Assignment.Count == 4, Bounded, "both topics assigned");

        using (var admin = Admin(Bootstrap))
        {
            await admin.DeleteTopicsAsync(["kip848-deleted"]);
        }
        // Until its next heartbeat brings the new assignment, librdkafka reports the deleted topic's partitions as unknown (as with Kafka).
        var transient = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Assigned(consumer).SequenceEqual(["kip848-kept-0", "kip848-kept-1"]))
        {
            Assert.That(clock.Elapsed, Is.LessThan(Bounded), "the deleted topic's partitions leaving the assignment: " + string.Join(",", Assigned(consumer)));
            try
            {
                consumer.Poll(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e) when (e.Error.Code == ErrorCode.UnknownTopicOrPart)
            {
                transient.Add(e.Error.Reason);
            }
        }
        TestContext.Progress.WriteLine($"{transient.Count} unknown-partition errors before the deleted topic left the assignment after {clock.ElapsedMilliseconds} ms");
        var sent = await ConsumerGroupTests.ProduceAsync(Bootstrap, "kip848-kept", 2, "kept", 10);
        GroupConsumer.PollUntil([consumer], () => GroupConsumer.AllCommitted([consumer], sent.Count), Bounded, "the kept topic still consumed");
        consumer.Close();
    }
}
