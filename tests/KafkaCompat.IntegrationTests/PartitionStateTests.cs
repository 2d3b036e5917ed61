using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// The partition as the single owner of its high watermark and of the fetches waiting on it, seen by
/// real clients: producers on separate connections racing on one partition, and a consumer in a long poll.
/// </summary>
[TestFixture]
public sealed class PartitionStateTests : InProcessBrokerTests
{
    private const string Python = "/usr/bin/python3";

    [Test]
    public async Task ConcurrentProducersOnOnePartitionNeverHideAnAcknowledgedRecord()
    {
        const string topic = "concurrent-producers";
        const int producers = 4;
        const int perProducer = 300;
        await CreateTopicAsync(Bootstrap, topic, 1);
        var partition = new TopicPartition(topic, 0);
        long highestAcked = 0;
        var violations = 0;

        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            using var producer = Producer(Bootstrap, c => c.LingerMs = 0);
            using var watermarks = Consumer(Bootstrap);
            for (var i = 0; i < perProducer; i++)
            {
                var report = await producer.ProduceAsync(partition, new Message<byte[]?, byte[]?> { Value = Bytes($"p{p}-{i}") });
                var acked = report.Offset.Value + 1;
                long expected;
                lock (partition)
                {
                    highestAcked = Math.Max(highestAcked, acked);
                    expected = highestAcked;
                }
                // ListOffsets latest: every record acknowledged so far must be below it.
                if (watermarks.QueryWatermarkOffsets(partition, DefaultTimeout).High.Value < expected)
                {
                    Interlocked.Increment(ref violations);
                }
            }
        })));

        Assert.That(violations, Is.Zero, "acknowledgements after which ListOffsets latest stopped short of an acknowledged record");
        var records = ReadFromBeginning(Bootstrap, [partition], producers * perProducer);
        Assert.That(records.Select(r => r.Offset.Value), Is.EqualTo(Enumerable.Range(0, producers * perProducer).Select(o => (long)o)));
        Assert.That(records.Select(r => Text(r.Message.Value)).Order(),
            Is.EqualTo(Enumerable.Range(0, producers).SelectMany(p => Enumerable.Range(0, perProducer).Select(i => $"p{p}-{i}")).Order()));
    }

    [Test]
    public async Task ConcurrentKafkaPythonProducersOnOnePartitionNeverHideAnAcknowledgedRecord()
    {
        Assert.That(File.Exists(Python), Is.True, "Debian's python3, where test.sh installs kafka-python");
        const string topic = "concurrent-kafka-python";
        const int producers = 3;
        const int perProducer = 150;
        await CreateTopicAsync(Bootstrap, topic, 1);
        var script = Path.Combine(RepoPaths.Scripts, "kafka_python_concurrent_producers.py");

        var run = await ExternalCommand.RunAsync(Python, [script, Bootstrap, topic, producers.ToString(), perProducer.ToString()], timeout: TimeSpan.FromSeconds(120));

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var result = JsonSerializer.Deserialize<JsonElement>(run.StandardOutput.Trim().Split('\n')[^1]);
        Assert.That(result.GetProperty("acked").GetInt32(), Is.EqualTo(producers * perProducer), run.StandardError);
        Assert.That(result.GetProperty("violations").GetInt32(), Is.Zero, "acknowledgements after which the latest offset stopped short of an acknowledged record");
        Assert.That(result.GetProperty("end").GetInt64(), Is.EqualTo(producers * perProducer));
    }

    [Test]
    public async Task ARecordProducedDuringALongPollIsDeliveredWithoutWaitingOutTheFetchWait()
    {
        // The consumer's fetches wait up to a minute for data; the consume below gives up long before
        // that. It can only see the record if the broker answers the waiting fetch when the record arrives.
        const string topic = "long-poll";
        await CreateTopicAsync(Bootstrap, topic, 1);
        var partition = new TopicPartition(topic, 0);
        using var consumer = Consumer(Bootstrap, c => c.FetchWaitMaxMs = 60_000);
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        Assert.That(consumer.Consume(TimeSpan.FromSeconds(2)), Is.Null, "nothing produced yet; the consumer is now in a long poll");

        using var producer = Producer(Bootstrap, c => c.LingerMs = 0);
        var produce = Stopwatch.StartNew();
        await producer.ProduceAsync(partition, new Message<byte[]?, byte[]?> { Value = Bytes("during the poll") });
        var acked = produce.Elapsed;
        var received = consumer.Consume(TimeSpan.FromSeconds(20));
        var consumed = produce.Elapsed;

        Assert.That(received, Is.Not.Null, "the record arrived while the fetch waited; the broker must answer the fetch then, not after 60 s");
        Assert.That(Text(received!.Message.Value), Is.EqualTo("during the poll"));
        TestContext.Out.WriteLine($"long poll: acknowledged after {acked.TotalMilliseconds:F1} ms (a new producer), consumed {(consumed - acked).TotalMilliseconds:F1} ms after the acknowledgement");
    }

    [Test]
    public async Task AKafkaPythonConsumerInALongPollGetsARecordProducedDuringIt()
    {
        // kafka-python's fetches wait up to a minute; the script gives up 20 s after the acknowledgement.
        Assert.That(File.Exists(Python), Is.True, "Debian's python3, where test.sh installs kafka-python");
        const string topic = "long-poll-kafka-python";
        await CreateTopicAsync(Bootstrap, topic, 1);
        var script = Path.Combine(RepoPaths.Scripts, "kafka_python_long_poll.py");

        var run = await ExternalCommand.RunAsync(Python, [script, Bootstrap, topic], timeout: TimeSpan.FromSeconds(120));

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var result = JsonSerializer.Deserialize<JsonElement>(run.StandardOutput.Trim().Split('\n')[^1]);
        Assert.That(result.GetProperty("value").GetString(), Is.EqualTo("during the poll"));
        TestContext.Out.WriteLine($"kafka-python long poll: the record arrived {result.GetProperty("after_ack_ms").GetDouble()} ms after its acknowledgement");
    }
}
