using System.Security.Cryptography;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// Confluent.Kafka 2.15.1 (librdkafka 2.15.1) against the broker running in this process. Every
/// expected value is built from what the test sent, never from what the broker answered.
/// </summary>
[TestFixture]
public sealed class ConfluentClientTests
{
    private const int MessageMaxBytes = 2_000_000;
    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker()
    {
        // num.partitions: topics auto-created by Metadata get 3 partitions when CreateTopics is not served.
        _broker = await InProcessBroker.StartAsync("num.partitions=3", $"message.max.bytes={MessageMaxBytes}");
    }

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine("Broker log (last lines):" + Environment.NewLine + _broker.Log.Tail());
        }
    }

    private string Bootstrap => _broker.BootstrapServers;

    [Test]
    public async Task TenThousandKeyedRecordsOverThreePartitionsReadBackCompleteAndInOrder()
    {
        const string topic = "keyed-10k";
        const int count = 10_000;
        await CreateTopicAsync(Bootstrap, topic, 3);

        var sent = new List<(string Key, string Value)>(count);
        var reports = new List<DeliveryReport<byte[]?, byte[]?>>(count);
        using (var producer = Producer(Bootstrap))
        {
            for (var i = 0; i < count; i++)
            {
                var key = $"key-{i % 101}";
                var value = $"value-{i}";
                sent.Add((key, value));
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = Bytes(key), Value = Bytes(value) }, report =>
                {
                    lock (reports)
                    {
                        reports.Add(report);
                    }
                });
            }
            Assert.That(producer.Flush(DefaultTimeout), Is.Zero, "records still in flight after flush");
        }
        Assert.That(reports, Has.Count.EqualTo(count));
        Assert.That(reports.Where(r => r.Error.IsError).Select(r => r.Error.ToString()).Distinct(), Is.Empty, "delivery errors");
        Assert.That(PartitionCount(Bootstrap, topic), Is.EqualTo(3));

        var partitions = Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)).ToList();
        var records = ReadFromBeginning(Bootstrap, partitions, count);
        Assert.That(records, Has.Count.EqualTo(count), "records read back");

        var byPartition = records.GroupBy(r => r.Partition.Value).ToDictionary(g => g.Key, g => g.ToList());
        Assert.That(byPartition.Keys, Is.EquivalentTo(new[] { 0, 1, 2 }), "101 keys spread over every partition");
        var sequence = sent.Select((record, index) => (record.Value, index)).ToDictionary(x => x.Value, x => x.index);
        foreach (var (partition, inPartition) in byPartition)
        {
            Assert.That(inPartition.Select(r => r.Offset.Value), Is.EqualTo(Enumerable.Range(0, inPartition.Count).Select(o => (long)o)), $"offsets of partition {partition} are 0..n-1");
            // One producer, one partition: the log keeps the order of sending.
            Assert.That(inPartition.Select(r => sequence[Text(r.Message.Value)!]), Is.Ordered, $"partition {partition} keeps the order records were sent in");
        }
        // Every record came back once, with its own key; each key lives in one partition.
        Assert.That(records.Select(r => (Text(r.Message.Key)!, Text(r.Message.Value)!)), Is.EquivalentTo(sent));
        Assert.That(records.GroupBy(r => Text(r.Message.Key)).Where(g => g.Select(r => r.Partition.Value).Distinct().Count() != 1).Select(g => g.Key), Is.Empty, "keys found in more than one partition");
    }

    [TestCase(CompressionType.Gzip)]
    [TestCase(CompressionType.Snappy)]
    [TestCase(CompressionType.Lz4)]
    [TestCase(CompressionType.Zstd)]
    public async Task CompressedBatchesRoundTrip(CompressionType codec)
    {
        var topic = $"codec-{codec.ToString().ToLowerInvariant()}";
        const int count = 2_000;
        // Repetitive text compresses well, so each batch really is compressed.
        var values = Enumerable.Range(0, count).Select(i => $"{codec} record {i} " + new string((char)('a' + i % 26), 200)).ToList();
        using (var producer = Producer(Bootstrap, c => { c.CompressionType = codec; c.LingerMs = 20; }))
        {
            var deliveries = values.Select((v, i) => producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Key = Bytes($"k{i}"), Value = Bytes(v) })).ToList();
            var results = await Task.WhenAll(deliveries);
            Assert.That(results.Select(r => r.Offset.Value), Is.EqualTo(Enumerable.Range(0, count).Select(i => (long)i)));
        }
        var records = ReadFromBeginning(Bootstrap, [new TopicPartition(topic, 0)], count);
        Assert.That(records.Select(r => Text(r.Message.Value)), Is.EqualTo(values));
        Assert.That(records.Select(r => Text(r.Message.Key)), Is.EqualTo(Enumerable.Range(0, count).Select(i => $"k{i}")));
    }

    [Test]
    public async Task HeadersRoundTripInOrderWithDuplicatesEmptyAndNullValues()
    {
        const string topic = "headers";
        List<(string Key, byte[]? Value)[]> sent =
        [
            [],
            [("trace-id", Bytes("abc-123"))],
            [("dup", Bytes("first")), ("dup", Bytes("second")), ("other", Bytes("x")), ("dup", Bytes("third"))],
            [("empty", []), ("null", null), ("binary", [0, 255, 1, 254, 0])],
            [("unicode-ключ", Bytes("значение ✓"))],
        ];
        using (var producer = Producer(Bootstrap))
        {
            foreach (var headers in sent)
            {
                var message = new Message<byte[]?, byte[]?> { Key = Bytes("k"), Value = Bytes("v"), Headers = [] };
                foreach (var (key, value) in headers)
                {
                    message.Headers.Add(key, value);
                }
                await producer.ProduceAsync(new TopicPartition(topic, 0), message);
            }
        }
        var records = ReadFromBeginning(Bootstrap, [new TopicPartition(topic, 0)], sent.Count);
        Assert.That(records, Has.Count.EqualTo(sent.Count));
        for (var i = 0; i < sent.Count; i++)
        {
            var received = (records[i].Message.Headers ?? []).Select(h => (h.Key, h.GetValueBytes())).ToList();
            Assert.That(received.Select(h => h.Key), Is.EqualTo(sent[i].Select(h => h.Key)), $"header keys of record {i}");
            for (var h = 0; h < sent[i].Length; h++)
            {
                Assert.That(received[h].Item2, sent[i][h].Value is null ? Is.Null : Is.EqualTo(sent[i][h].Value), $"value of header {h} ({sent[i][h].Key}) of record {i}");
            }
        }
    }

    [Test]
    public async Task NullAndEmptyKeysAndValuesStayDistinct()
    {
        const string topic = "nulls";
        var sent = new (byte[]? Key, byte[]? Value)[]
        {
            (null, null),
            (null, []),
            ([], null),
            ([], []),
            (Bytes("key"), null),
            (null, Bytes("value")),
            (Bytes("key"), Bytes("value")),
        };
        using (var producer = Producer(Bootstrap))
        {
            foreach (var (key, value) in sent)
            {
                await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Key = key, Value = value });
            }
        }
        var records = ReadFromBeginning(Bootstrap, [new TopicPartition(topic, 0)], sent.Length);
        Assert.That(records, Has.Count.EqualTo(sent.Length));
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.That(records[i].Message.Key, sent[i].Key is null ? Is.Null : Is.EqualTo(sent[i].Key), $"key of record {i}");
            Assert.That(records[i].Message.Value, sent[i].Value is null ? Is.Null : Is.EqualTo(sent[i].Value), $"value of record {i}");
        }
    }

    [Test]
    public async Task OneMebibyteValuesRoundTripWhenMessageMaxBytesIsRaised()
    {
        const string topic = "large-values";
        var random = new Random(20261121);
        var values = Enumerable.Range(0, 6).Select(_ => { var v = new byte[1024 * 1024]; random.NextBytes(v); return v; }).ToList();
        using (var producer = Producer(Bootstrap, c => c.MessageMaxBytes = MessageMaxBytes))
        {
            foreach (var value in values)
            {
                var result = await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Key = null, Value = value });
                Assert.That(result.Status, Is.EqualTo(PersistenceStatus.Persisted));
            }
        }
        var records = ReadFromBeginning(Bootstrap, [new TopicPartition(topic, 0)], values.Count);
        Assert.That(records, Has.Count.EqualTo(values.Count));
        Assert.That(records.Select(r => Convert.ToHexString(SHA256.HashData(r.Message.Value!))), Is.EqualTo(values.Select(v => Convert.ToHexString(SHA256.HashData(v)))));
    }

    [Test]
    public void RecordAboveMessageMaxBytesIsRejectedWithMessageSizeTooLarge()
    {
        const string topic = "too-large";
        var value = new byte[MessageMaxBytes + 100_000];
        new Random(7).NextBytes(value);
        using var producer = Producer(Bootstrap, c => c.MessageMaxBytes = 3_000_000);
        var error = Assert.ThrowsAsync<ProduceException<byte[]?, byte[]?>>(() => producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Value = value }));
        Assert.That(error!.Error.Code, Is.EqualTo(ErrorCode.MsgSizeTooLarge), error.Error.ToString());
    }

    [Test]
    public void IdempotentProducerDeliversEveryRecordExactlyOnce()
    {
        const string topic = "idempotent";
        const int count = 3_000;
        var reports = new List<DeliveryReport<byte[]?, byte[]?>>(count);
        using (var producer = Producer(Bootstrap, c =>
        {
            c.EnableIdempotence = true;
            c.Acks = Acks.All;
            c.MaxInFlight = 5;
            c.LingerMs = 1;
            c.BatchNumMessages = 50;
        }))
        {
            for (var i = 0; i < count; i++)
            {
                producer.Produce(new TopicPartition(topic, i % 3), new Message<byte[]?, byte[]?> { Key = Bytes($"k{i}"), Value = Bytes($"idempotent-{i}") }, report =>
                {
                    lock (reports)
                    {
                        reports.Add(report);
                    }
                });
            }
            Assert.That(producer.Flush(DefaultTimeout), Is.Zero);
        }
        Assert.That(reports.Where(r => r.Error.IsError).Select(r => r.Error.ToString()).Distinct(), Is.Empty, "delivery errors");
        Assert.That(reports.Select(r => r.Status).Distinct(), Is.EqualTo(new[] { PersistenceStatus.Persisted }));

        var records = ReadFromBeginning(Bootstrap, Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)), count);
        Assert.That(records, Has.Count.EqualTo(count), "exactly the records sent, no duplicates, none lost");
        for (var p = 0; p < 3; p++)
        {
            var expected = Enumerable.Range(0, count).Where(i => i % 3 == p).Select(i => $"idempotent-{i}");
            Assert.That(records.Where(r => r.Partition.Value == p).Select(r => Text(r.Message.Value)), Is.EqualTo(expected), $"partition {p}");
        }
    }

    [Test]
    public async Task OffsetsForTimesFindsTheFirstOffsetAtOrAfterTheTimestamp()
    {
        const string topic = "by-time";
        var start = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        const int count = 10;
        using (var producer = Producer(Bootstrap))
        {
            for (var i = 0; i < count; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?>
                {
                    Value = Bytes($"t{i}"),
                    Timestamp = new Timestamp(start.AddSeconds(i), TimestampType.CreateTime),
                });
            }
        }
        long At(DateTime time) => time.Subtract(DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond;
        var startMs = At(start);
        var cases = new (long Query, long Expected)[]
        {
            (startMs - 60_000, 0),
            (startMs, 0),
            (startMs + 1, 1),
            (startMs + 3_000, 3),
            (startMs + 3_500, 4),
            (startMs + 9_000, 9),
            (startMs + 9_001, Offset.End.Value), // nothing at or after: Kafka answers offset -1
        };
        using var consumer = Consumer(Bootstrap);
        foreach (var (query, expected) in cases)
        {
            var found = consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(query, TimestampType.CreateTime))], TimeSpan.FromSeconds(10));
            Assert.That(found.Single().Offset.Value, Is.EqualTo(expected), $"offset for timestamp start{query - startMs:+0;-0}ms");
        }
        var records = ReadFromBeginning(Bootstrap, [new TopicPartition(topic, 0)], count);
        Assert.That(records.Select(r => r.Message.Timestamp.UnixTimestampMs), Is.EqualTo(Enumerable.Range(0, count).Select(i => startMs + i * 1000L)), "CreateTime kept");
        Assert.That(records.Select(r => r.Message.Timestamp.Type).Distinct(), Is.EqualTo(new[] { TimestampType.CreateTime }));
    }
}
