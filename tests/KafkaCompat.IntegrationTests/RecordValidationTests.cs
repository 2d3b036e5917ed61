using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;
using RecordBatchSet = KafkaCompat.Records.RecordBatchSet;
using CompressionType = Confluent.Kafka.CompressionType;
using StoredCodec = KafkaCompat.Records.CompressionType;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// Record validation and the topic's compression.type, seen by librdkafka: which records of a refused
/// batch fail (KIP-467), and batches re-encoded with the topic's codec read back intact.
/// </summary>
[TestFixture]
public sealed class RecordValidationTests : InProcessBrokerTests
{
    [Test]
    public async Task OnlyTheKeylessRecordsOfABatchToACompactedTopicFail()
    {
        const string topic = "compacted-keys";
        await CreateTopicAsync(topic, ("cleanup.policy", "compact"));
        var reports = new List<DeliveryReport<byte[]?, byte[]?>>();
        // One batch of six records (a long linger keeps them together), two of them without a key.
        using (var producer = Producer(Bootstrap, c => { c.LingerMs = 1_000; c.EnableIdempotence = false; c.MessageSendMaxRetries = 0; }))
        {
            for (var i = 0; i < 6; i++)
            {
                producer.Produce(new TopicPartition(topic, 0),
                    new Message<byte[]?, byte[]?> { Key = i is 1 or 4 ? null : Bytes($"k{i}"), Value = Bytes($"v{i}") },
                    report => { lock (reports) { reports.Add(report); } });
            }
            Assert.That(producer.Flush(DefaultTimeout), Is.Zero);
        }
        var byValue = reports.ToDictionary(r => Text(r.Message.Value)!, r => r.Error.Code);
        // KIP-467: the broker lists the keyless records; librdkafka fails those as invalid and the rest
        // of the batch as dropped for another record's sake.
        Assert.That(byValue, Is.EquivalentTo(new Dictionary<string, ErrorCode>
        {
            ["v0"] = ErrorCode.Local_InvalidDifferentRecord,
            ["v1"] = ErrorCode.InvalidRecord,
            ["v2"] = ErrorCode.Local_InvalidDifferentRecord,
            ["v3"] = ErrorCode.Local_InvalidDifferentRecord,
            ["v4"] = ErrorCode.InvalidRecord,
            ["v5"] = ErrorCode.Local_InvalidDifferentRecord,
        }));
    }

    [TestCase(CompressionType.None, "zstd")]
    [TestCase(CompressionType.Gzip, "lz4")]
    [TestCase(CompressionType.Snappy, "uncompressed")]
    public async Task BatchesAreStoredWithTheTopicsCompressionTypeAndReadBackIntact(CompressionType producerCodec, string topicCodec)
    {
        var topic = $"recompress-{producerCodec}-{topicCodec}".ToLowerInvariant();
        await CreateTopicAsync(topic, ("compression.type", topicCodec));
        const int count = 300;
        using (var producer = Producer(Bootstrap, c => c.CompressionType = producerCodec))
        {
            for (var i = 0; i < count; i++)
            {
                producer.Produce(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?>
                {
                    Key = Bytes($"key-{i}"),
                    Value = Bytes($"value {i} " + new string('x', i % 50)),
                    Headers = [new Header("h", Bytes($"header-{i}"))],
                    Timestamp = new Timestamp(1_700_000_000_000 + i, TimestampType.CreateTime),
                });
            }
            Assert.That(producer.Flush(DefaultTimeout), Is.Zero);
        }

        var records = ReadFromBeginning(Bootstrap, [new TopicPartition(topic, 0)], count);
        Assert.That(records.Select(r => (r.Offset.Value, Text(r.Message.Key), Text(r.Message.Value), Text(r.Message.Headers.Single().GetValueBytes()), r.Message.Timestamp.UnixTimestampMs)),
            Is.EqualTo(Enumerable.Range(0, count).Select(i => ((long)i, $"key-{i}", $"value {i} " + new string('x', i % 50), $"header-{i}", 1_700_000_000_000L + i))));

        var expected = topicCodec switch
        {
            "zstd" => StoredCodec.Zstd,
            "lz4" => StoredCodec.Lz4,
            _ => StoredCodec.None,
        };
        Assert.That(StoredCodecs(topic), Is.EqualTo(new[] { expected }), "the codec of every batch in the segment files");
    }

    [Test]
    public async Task KafkaPythonGzipBatchesAreStoredWithTheTopicsCodecAndReadBackIntact()
    {
        Assert.That(File.Exists("/usr/bin/python3"), Is.True, "Debian's python3, where test.sh installs kafka-python");
        const string topic = "recompress-kafka-python";
        const int count = 200;
        await CreateTopicAsync(topic, ("compression.type", "zstd"));
        var script = Path.Combine(RepoPaths.Scripts, "kafka_python_roundtrip.py");

        var run = await ExternalCommand.RunAsync("/usr/bin/python3", [script, Bootstrap, topic, count.ToString(), "gzip"], timeout: TimeSpan.FromSeconds(90));

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var received = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(line))
            .Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("key").GetString(), r.GetProperty("value").GetString()))
            .ToList();
        Assert.That(received, Is.EqualTo(Enumerable.Range(0, count).Select(i => ((long)i, (string?)$"key-{i}", (string?)$"value-{i}"))), run.StandardError);
        Assert.That(StoredCodecs(topic), Is.EqualTo(new[] { StoredCodec.Zstd }), "kafka-python sent gzip; the topic stores zstd");
    }

    private HashSet<StoredCodec> StoredCodecs(string topic)
    {
        var codecs = new HashSet<StoredCodec>();
        foreach (var segment in Directory.GetFiles(Path.Combine(Broker.DataDirectory, $"{topic}-0"), "*.log"))
        {
            foreach (var batch in new RecordBatchSet(File.ReadAllBytes(segment)))
            {
                codecs.Add(batch.Compression);
            }
        }
        return codecs;
    }

    private async Task CreateTopicAsync(string topic, params (string Key, string Value)[] configs)
    {
        using var admin = Admin(Bootstrap);
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic, NumPartitions = 1, ReplicationFactor = 1,
            Configs = configs.ToDictionary(c => c.Key, c => c.Value),
        }]);
    }
}
