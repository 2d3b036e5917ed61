using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>Confluent.Kafka producers and consumers set up the way these tests need them.</summary>
internal static class KafkaClients
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static IProducer<byte[]?, byte[]?> Producer(string bootstrapServers, Action<ProducerConfig>? configure = null)
    {
        Librdkafka.EnsureMapped();
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "kafkacompat-it-producer",
            Acks = Acks.All,
            LingerMs = 5,
            // Fail a test in seconds, not after librdkafka's five-minute default.
            MessageTimeoutMs = 30_000,
            SocketTimeoutMs = 10_000,
        };
        configure?.Invoke(config);
        return new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetKeySerializer(Serializers.ByteArray)
            .SetValueSerializer(Serializers.ByteArray)
            .Build();
    }

    /// <summary>
    /// A consumer for <c>Assign</c> only: the broker has no group coordinator yet, so nothing is
    /// subscribed or committed. Confluent.Kafka insists on a group.id all the same.
    /// </summary>
    public static IConsumer<byte[]?, byte[]?> Consumer(string bootstrapServers, Action<ConsumerConfig>? configure = null)
    {
        Librdkafka.EnsureMapped();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "kafkacompat-it-consumer",
            GroupId = "kafkacompat-it-assign-only",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            SocketTimeoutMs = 10_000,
        };
        configure?.Invoke(config);
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetKeyDeserializer(Deserializers.ByteArray)
            .SetValueDeserializer(Deserializers.ByteArray)
            .Build();
    }

    public static IAdminClient Admin(string bootstrapServers)
    {
        Librdkafka.EnsureMapped();
        return new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 10_000 }).Build();
    }

    /// <summary>
    /// Reads <paramref name="partitions"/> from the beginning until <paramref name="expected"/>
    /// records arrived (or the timeout passes: then returns what it has, for the test to compare).
    /// </summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadFromBeginning(string bootstrapServers, IEnumerable<TopicPartition> partitions, int expected, TimeSpan? timeout = null, Action<ConsumerConfig>? configure = null)
    {
        using var consumer = Consumer(bootstrapServers, configure);
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var records = new List<ConsumeResult<byte[]?, byte[]?>>(expected);
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (records.Count < expected && clock.Elapsed < limit)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }
        // A little longer, to catch records beyond the expected count (duplicates).
        var extraUntil = clock.Elapsed + TimeSpan.FromMilliseconds(500);
        while (clock.Elapsed < extraUntil)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }
        consumer.Close();
        return records;
    }

    /// <summary>
    /// Creates the topic with the AdminClient when the broker serves CreateTopics; otherwise
    /// Metadata's auto-creation makes it on first use, with the broker's num.partitions.
    /// </summary>
    /// <returns>true when the AdminClient created it.</returns>
    public static async Task<bool> CreateTopicAsync(string bootstrapServers, string topic, int partitions)
    {
        using var admin = Admin(bootstrapServers);
        try
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }],
                new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(15), OperationTimeout = TimeSpan.FromSeconds(15) });
            return true;
        }
        catch (KafkaException e) when (e.Error.Code is ErrorCode.Local_UnsupportedFeature or ErrorCode.UnsupportedVersion)
        {
            return false;
        }
    }

    /// <summary>The topic's partition count as the broker's Metadata describes it.</summary>
    public static int PartitionCount(string bootstrapServers, string topic)
    {
        using var admin = Admin(bootstrapServers);
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var described = metadata.Topics.Single(t => t.Topic == topic);
        Assert.That(described.Error.Code, Is.EqualTo(ErrorCode.NoError), $"metadata of {topic}: {described.Error}");
        return described.Partitions.Count;
    }

    /// <summary>A produce and a read back on a fresh topic: the broker still serves well-behaved clients.</summary>
    public static async Task AssertServesAsync(string bootstrapServers, string topic, int count = 20)
    {
        using (var producer = Producer(bootstrapServers))
        {
            for (var i = 0; i < count; i++)
            {
                var result = await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Key = Bytes($"k{i}"), Value = Bytes($"v{i}") });
                Assert.That(result.Offset.Value, Is.EqualTo(i), $"offset of record {i} on {topic}");
            }
        }
        var records = ReadFromBeginning(bootstrapServers, [new TopicPartition(topic, 0)], count, TimeSpan.FromSeconds(30));
        Assert.That(records.Select(r => Text(r.Message.Value)), Is.EqualTo(Enumerable.Range(0, count).Select(i => $"v{i}")), $"records read back from {topic}");
    }

    public static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static string? Text(byte[]? bytes) => bytes is null ? null : System.Text.Encoding.UTF8.GetString(bytes);
}
