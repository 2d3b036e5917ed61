using System.Diagnostics;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// An idempotent producer behind a proxy that loses some of the broker's responses: the broker
/// has appended batches whose acknowledgements never arrive, librdkafka resends them with the
/// same producer id and sequence numbers, and the broker must not append them twice (KIP-98).
/// </summary>
[TestFixture]
public sealed class IdempotentRetryTests
{
    [Test]
    public async Task ResentBatchesAreNotAppendedTwice()
    {
        var proxyPort = FreePort.Pick();
        await using var broker = await InProcessBroker.StartAsync("num.partitions=3", $"advertised.listeners=PLAINTEXT://127.0.0.1:{proxyPort}");
        // Every 8th read from the broker is dropped with its connection, 25 times at most.
        await using var proxy = new ChaosProxy(proxyPort, broker.BoundPort, dropResponseEvery: 8, maxDrops: 25);
        var bootstrap = $"127.0.0.1:{proxyPort}";
        try
        {
            const string topic = "idempotent-cuts";
            const int count = 20_000;
            var reports = new List<DeliveryReport<byte[]?, byte[]?>>(count);
            using (var producer = Producer(bootstrap, c =>
            {
                c.EnableIdempotence = true;
                c.Acks = Acks.All;
                c.LingerMs = 2;
                c.BatchNumMessages = 100;
                c.ReconnectBackoffMs = 10;
                c.ReconnectBackoffMaxMs = 100;
                c.RetryBackoffMs = 10;
                c.MessageTimeoutMs = 60_000;
            }))
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < count; i++)
                {
                    producer.Produce(new TopicPartition(topic, i % 3), new Message<byte[]?, byte[]?> { Value = Bytes($"record-{i}") }, report =>
                    {
                        lock (reports)
                        {
                            reports.Add(report);
                        }
                    });
                    if (i % 200 == 199)
                    {
                        // Many small produce requests rather than a few big ones.
                        await Task.Delay(5);
                    }
                }
                Assert.That(producer.Flush(TimeSpan.FromSeconds(90)), Is.Zero, "records still unacknowledged");
                proxy.StopDropping();
                TestContext.Out.WriteLine($"{count} records in {clock.Elapsed}, {proxy.Drops} responses lost");
            }
            Assert.That(proxy.Drops, Is.GreaterThanOrEqualTo(5), "responses lost while producing");
            Assert.That(reports.Where(r => r.Error.IsError).Select(r => r.Error.ToString()).Distinct(), Is.Empty, "delivery errors");

            var reading = Stopwatch.StartNew();
            var records = ReadFromBeginning(bootstrap, Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)), count);
            TestContext.Out.WriteLine($"read back in {reading.Elapsed}");
            Assert.That(records, Has.Count.EqualTo(count), "every record exactly once");
            for (var p = 0; p < 3; p++)
            {
                var expected = Enumerable.Range(0, count).Where(i => i % 3 == p).Select(i => $"record-{i}");
                Assert.That(records.Where(r => r.Partition.Value == p).Select(r => Text(r.Message.Value)), Is.EqualTo(expected), $"partition {p}: no duplicates, no gaps, in order");
            }
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }
}
