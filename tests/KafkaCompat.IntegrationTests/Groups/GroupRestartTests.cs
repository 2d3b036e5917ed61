using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>Committed offsets survive a broker restart on the same data directory (__consumer_offsets replayed).</summary>
[TestFixture]
public sealed class GroupRestartTests
{
    [Test]
    public async Task CommittedOffsetsSurviveABrokerRestartAndOnlyTheUncommittedTailIsReadAgain()
    {
        const string topic = "group-restart";
        const string group = "group-restart-resume";
        const int partitions = 3;
        await using var broker = await InProcessBroker.StartAsync(ConsumerGroupTests.BrokerOverrides);
        try
        {
            var all = Enumerable.Range(0, partitions).ToArray();
            var tps = all.Select(p => new TopicPartition(topic, p)).ToList();
            await CreateTopicAsync(broker.BootstrapServers, topic, partitions);
            // Ten rounds of 10 records per partition: small batches, so the consumer (fetching little per
            // partition) reads the partitions interleaved and commits on each before it stops.
            var sent = new List<string>();
            for (var round = 0; round < 10; round++)
            {
                sent.AddRange(await ConsumerGroupTests.ProduceAsync(broker.BootstrapServers, topic, partitions, $"before-{round}", 30));
            }

            List<ConsumeResult<byte[]?, byte[]?>> committedBefore, tail;
            using (var before = new GroupConsumer(broker.BootstrapServers, group, "restart-before", configure: c => c.MaxPartitionFetchBytes = 256))
            {
                before.Subscribe(topic);
                GroupConsumer.PollUntil([before], () => before.Committed.Count >= 150, TimeSpan.FromSeconds(30), "150 records committed");
                // Then 30 more read but never committed: the tail the next consumer reads again.
                before.CommitEach = false;
                var committedCount = before.Delivered.Count;
                GroupConsumer.PollUntil([before], () => before.Delivered.Count >= committedCount + 30, TimeSpan.FromSeconds(30), "30 more records read");
                // Close with enable.auto.commit=false commits nothing.
                before.Close();
                committedBefore = before.Committed;
                tail = before.Delivered.Skip(committedCount).ToList();
                Assert.That(before.CommitFailures, Is.Empty, "commits refused to the only member");
            }
            var expectedOffsets = all.Select(p => committedBefore.Where(r => r.Partition.Value == p).Select(r => r.Offset.Value + 1).DefaultIfEmpty(Offset.Unset.Value).Max()).ToArray();
            TestContext.Progress.WriteLine($"committed before the restart: [{string.Join(", ", expectedOffsets)}], uncommitted tail: {tail.Count} records");
            Assert.That(expectedOffsets, Has.All.GreaterThan(0), "commits on every partition before the restart");
            using (var admin = Admin(broker.BootstrapServers))
            {
                Assert.That(await ConsumerGroupTests.ListOffsetsAsync(admin, group, tps), Is.EqualTo(expectedOffsets), "committed offsets before the restart");
            }

            await broker.RestartAsync();

            using (var admin = Admin(broker.BootstrapServers))
            {
                Assert.That(await ConsumerGroupTests.ListOffsetsAsync(admin, group, tps), Is.EqualTo(expectedOffsets), "committed offsets after the restart");
                var described = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
                Assert.That(described.State, Is.EqualTo(ConsumerGroupState.Empty), "the group replayed from __consumer_offsets, without members");
                Assert.That(described.Members, Is.Empty, "members after the restart");
            }
            sent.AddRange(await ConsumerGroupTests.ProduceAsync(broker.BootstrapServers, topic, partitions, "after", 60));
            var expectedAfter = sent.Count - committedBefore.Count;
            using var after = new GroupConsumer(broker.BootstrapServers, group, "restart-after");
            after.Subscribe(topic);
            GroupConsumer.PollUntil([after], () => after.Delivered.Count >= expectedAfter, TimeSpan.FromSeconds(30), "the records not committed before the restart");
            GroupConsumer.PollFor([after], TimeSpan.FromMilliseconds(500));

            var committedValues = committedBefore.Select(r => Text(r.Message.Value)!).ToList();
            var afterValues = after.Delivered.Select(r => Text(r.Message.Value)!).ToList();
            Assert.That(committedValues.Concat(afterValues), Is.EquivalentTo(sent), "nothing skipped, nothing committed read again");
            Assert.That(afterValues.Intersect(tail.Select(r => Text(r.Message.Value)!)), Is.EquivalentTo(tail.Select(r => Text(r.Message.Value)!)), "the uncommitted tail read again");
            foreach (var p in all)
            {
                Assert.That(after.Delivered.Where(r => r.Partition.Value == p).Select(r => r.Offset.Value).FirstOrDefault(), Is.EqualTo(Math.Max(expectedOffsets[p], 0)), $"partition {p} resumes at its committed offset (the beginning when none)");
            }
            after.Close();
        }
        catch
        {
            TestContext.Out.WriteLine("Broker log (last lines):" + Environment.NewLine + broker.Log.Tail(120));
            throw;
        }
    }
}
