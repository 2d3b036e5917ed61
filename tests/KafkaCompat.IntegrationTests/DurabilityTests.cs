using System.Diagnostics;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>What was acknowledged survives a clean restart and a <c>kill -9</c>.</summary>
[TestFixture]
public sealed class DurabilityTests
{
    [Test]
    public async Task CleanRestartOnTheSameDirectoryKeepsEverything()
    {
        await using var broker = await InProcessBroker.StartAsync("num.partitions=3");
        try
        {
            const string topic = "restart";
            var sent = await ProduceNumberedAsync(broker.BootstrapServers, topic, 600, c => c.CompressionType = CompressionType.Lz4);

            await broker.RestartAsync();

            Assert.That(PartitionCount(broker.BootstrapServers, topic), Is.EqualTo(3), "partitions after restart");
            AssertReadBack(broker.BootstrapServers, topic, sent);
            // The log end survived too: new records continue after the old ones.
            using var producer = Producer(broker.BootstrapServers);
            var next = await producer.ProduceAsync(new TopicPartition(topic, 1), new Message<byte[]?, byte[]?> { Value = Bytes("after-restart") });
            Assert.That(next.Offset.Value, Is.EqualTo(sent.Count(s => s.Partition == 1)), "offset of the first record after restart");
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    [Test]
    public async Task KillMinus9ThenRestartKeepsEveryAcknowledgedRecord()
    {
        await using var broker = await ProcessBroker.StartAsync("num.partitions=3");
        try
        {
            const string topic = "kill-9";
            var sent = await ProduceNumberedAsync(broker.BootstrapServers, topic, 5_000, c => c.CompressionType = CompressionType.Snappy);

            broker.Kill();
            await broker.RestartAsync();

            AssertReadBack(broker.BootstrapServers, topic, sent);
            Assert.That(broker.IsRunning, Is.True);
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    [Test]
    public async Task KillMinus9WhileProducingLosesNoAcknowledgedRecord()
    {
        await using var broker = await ProcessBroker.StartAsync("num.partitions=3");
        try
        {
            const string topic = "kill-9-mid-stream";
            const int count = 30_000;
            var acknowledged = new List<(int Index, int Partition, long Offset)>();
            using var producer = Producer(broker.BootstrapServers, c =>
            {
                c.Acks = Acks.All;
                c.LingerMs = 2;
                c.BatchNumMessages = 200;
                c.MessageTimeoutMs = 60_000;
                c.ReconnectBackoffMaxMs = 200;
            });
            // Kill once acknowledgements are flowing, with most records still queued or in flight.
            var killer = Task.Run(async () =>
            {
                var waited = Stopwatch.StartNew();
                while (Count(acknowledged) < 2_000 && waited.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(1);
                }
                broker.Kill();
                return Count(acknowledged);
            });
            for (var i = 0; i < count; i++)
            {
                var index = i;
                producer.Produce(new TopicPartition(topic, i % 3), new Message<byte[]?, byte[]?> { Key = Bytes($"key-{i}"), Value = Bytes($"value-{i}") }, report =>
                {
                    if (!report.Error.IsError)
                    {
                        lock (acknowledged)
                        {
                            acknowledged.Add((index, report.Partition.Value, report.Offset.Value));
                        }
                    }
                });
                if (i % 100 == 99)
                {
                    await Task.Delay(1);
                }
            }
            var atKill = await killer;
            await broker.RestartAsync();
            // The producer reconnects to the same port and delivers the rest (possibly some twice: not idempotent).
            Assert.That(producer.Flush(TimeSpan.FromSeconds(90)), Is.Zero, "records still unacknowledged after the restart");
            TestContext.Out.WriteLine($"{atKill} of {count} records acknowledged before kill -9, {acknowledged.Count} in all");
            Assert.That(atKill, Is.GreaterThan(0).And.LessThan(count), "the kill came in the middle of the stream");

            var highest = acknowledged.GroupBy(a => a.Partition).ToDictionary(g => g.Key, g => g.Max(a => a.Offset) + 1);
            var records = ReadFromBeginning(broker.BootstrapServers, Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)), (int)highest.Values.Sum());
            var stored = records.ToDictionary(r => (r.Partition.Value, r.Offset.Value), r => Text(r.Message.Value));
            var missing = acknowledged.Where(a => !stored.TryGetValue((a.Partition, a.Offset), out var value) || value != $"value-{a.Index}").ToList();
            Assert.That(missing, Is.Empty, $"acknowledged records not found at their acknowledged offset ({missing.Count} of {acknowledged.Count})");
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    private static int Count<T>(List<T> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    /// <summary>Produces count records over three partitions with acks=all and waits for every acknowledgement.</summary>
    private static async Task<List<(int Partition, long Offset, string Key, string Value)>> ProduceNumberedAsync(string bootstrap, string topic, int count, Action<ProducerConfig> configure)
    {
        using var producer = Producer(bootstrap, c => { c.Acks = Acks.All; configure(c); });
        var deliveries = Enumerable.Range(0, count)
            .Select(i => producer.ProduceAsync(new TopicPartition(topic, i % 3), new Message<byte[]?, byte[]?> { Key = Bytes($"key-{i}"), Value = Bytes($"value-{i}") }))
            .ToList();
        var results = await Task.WhenAll(deliveries);
        Assert.That(results.Select(r => r.Status).Distinct(), Is.EqualTo(new[] { PersistenceStatus.Persisted }));
        // Record i went to partition i % 3 as its (i / 3)th record, so that is its offset.
        var sent = Enumerable.Range(0, count).Select(i => (Partition: i % 3, Offset: (long)(i / 3), Key: $"key-{i}", Value: $"value-{i}")).ToList();
        Assert.That(results.Select(r => (r.Partition.Value, r.Offset.Value)), Is.EqualTo(sent.Select(s => (s.Partition, s.Offset))), "acknowledged positions");
        return sent;
    }

    private static void AssertReadBack(string bootstrap, string topic, List<(int Partition, long Offset, string Key, string Value)> sent)
    {
        var records = ReadFromBeginning(bootstrap, Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)), sent.Count);
        Assert.That(records, Has.Count.EqualTo(sent.Count), "records read back");
        Assert.That(records.Select(r => (r.Partition.Value, r.Offset.Value, Text(r.Message.Key)!, Text(r.Message.Value)!)), Is.EquivalentTo(sent));
        for (var p = 0; p < 3; p++)
        {
            var partition = p;
            Assert.That(records.Where(r => r.Partition.Value == partition).Select(r => Text(r.Message.Value)),
                Is.EqualTo(sent.Where(s => s.Partition == partition).Select(s => s.Value)), $"order in partition {p}");
        }
    }
}
