using System.Text;
using System.Text.Json;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// Frames captured from kcat (librdkafka 2.0.2 and 2.15.1), kafkajs,
/// kafka-python and @platformatic/kafka, and from old clients (kafka-node 5.0.0,
/// sarama 1.22.1 at its default version, kafka-python pinned to api_version
/// 0.10.1, whose Produce v0-2 carry legacy message sets), decode to what those
/// clients were told to send, and re-encode byte for byte.
/// </summary>
public class GoldenFrameTests
{
    public static IEnumerable<TestCaseData> Frames() =>
        GoldenFrame.Load().Select(f => new TestCaseData(f).SetName(f.File));

    [Test]
    public void AtLeastTwelveFramesFromFiveClients()
    {
        var frames = GoldenFrame.Load();
        Assert.That(frames, Has.Count.GreaterThanOrEqualTo(12));
        Assert.That(frames.Select(f => f.Facts.GetProperty("client").GetString()).Distinct().Count(), Is.GreaterThanOrEqualTo(4));
    }

    [Test]
    public void OldClientsFramesAreThere()
    {
        // What makes them old: no ApiVersions from sarama and pinned kafka-python, Produce v0-2
        // with magic 0 and 1 message sets, the first versions of the group APIs.
        var frames = GoldenFrame.Load();
        string[] expected =
        [
            "kafka-node-5.0.0-ApiVersions-v0.hex", "kafka-node-5.0.0-Produce-v2.hex", "kafka-node-5.0.0-JoinGroup-v0.hex",
            "sarama-1.22.1-default-Metadata-v0.hex", "sarama-1.22.1-default-Produce-v0.hex", "sarama-1.22.1-default-OffsetFetch-v1.hex",
            "kafka-python-2.0.2-api0.10.1-Metadata-v1.hex", "kafka-python-2.0.2-api0.10.1-JoinGroup-v1.hex",
        ];
        Assert.That(frames.Select(f => f.File), Is.SupersetOf(expected));
        Assert.That(frames.Where(f => f.Facts.TryGetProperty("magic", out _)).Select(f => f.Facts.GetProperty("magic").GetInt32()).Distinct(),
            Is.EquivalentTo(new[] { 0, 1 }));
        Assert.That(frames.Where(f => f.File.StartsWith("sarama-", StringComparison.Ordinal) || f.File.Contains("-api0.10.1-", StringComparison.Ordinal))
            .Select(f => f.ApiKey), Has.No.Member(ApiKey.ApiVersions));
    }

    [TestCaseSource(nameof(Frames))]
    public void DecodesToWhatTheClientSentAndReencodesByteForByte(GoldenFrame frame)
    {
        var facts = frame.Facts;
        Assert.That((short)frame.ApiKey, Is.EqualTo(facts.GetProperty("apiKey").GetInt16()));
        Assert.That(frame.ApiVersion, Is.EqualTo(facts.GetProperty("apiVersion").GetInt16()));
        Assert.That(frame.Header.CorrelationId, Is.EqualTo(facts.GetProperty("correlationId").GetInt32()));
        Assert.That(frame.Header.ClientId, Is.EqualTo(facts.GetProperty("clientId").GetString()));

        var body = ApiKeys.NewRequest(frame.ApiKey);
        var reader = new KafkaReader(frame.Body);
        body.Read(ref reader, frame.ApiVersion);
        Assert.That(reader.Remaining, Is.Zero, "the whole frame is one header and one body");

        var reencoded = frame.Header.Serialize(frame.HeaderVersion).Concat(body.Serialize(frame.ApiVersion)).ToArray();
        Assert.That(Convert.ToHexString(reencoded), Is.EqualTo(Convert.ToHexString(frame.Frame)));

        switch (body)
        {
            case ProduceRequestData produce:
                CheckProduce(produce, facts);
                break;
            case MetadataRequestData metadata:
                CheckMetadata(metadata, frame.ApiVersion, facts);
                break;
            case JoinGroupRequestData join:
                CheckJoinGroup(join, facts);
                break;
            case ApiVersionsRequestData apiVersions:
                CheckApiVersions(apiVersions, facts);
                break;
            case FindCoordinatorRequestData find:
                CheckFindCoordinator(find, facts);
                break;
            case OffsetFetchRequestData offsetFetch:
                CheckOffsetFetch(offsetFetch, facts);
                break;
        }
    }

    private static void CheckOffsetFetch(OffsetFetchRequestData request, JsonElement facts)
    {
        Assert.That(request.GroupId, Is.EqualTo(facts.GetProperty("groupId").GetString()));
        var expected = facts.GetProperty("offsetTopics").EnumerateArray()
            .Select(t => $"{t.GetProperty("name").GetString()}:{string.Join(",", t.GetProperty("partitions").EnumerateArray().Select(p => p.GetInt32()))}");
        Assert.That(request.Topics!.Select(t => $"{t.Name}:{string.Join(",", t.PartitionIndexes)}"), Is.EqualTo(expected));
    }

    private static void CheckApiVersions(ApiVersionsRequestData request, JsonElement facts)
    {
        if (facts.TryGetProperty("clientSoftwareName", out var name))
        {
            Assert.That(request.ClientSoftwareName, Is.EqualTo(name.GetString()));
            Assert.That(request.ClientSoftwareVersion, Is.EqualTo(facts.GetProperty("clientSoftwareVersion").GetString()));
        }
    }

    private static void CheckMetadata(MetadataRequestData request, short version, JsonElement facts)
    {
        var topics = facts.GetProperty("topics");
        if (topics.ValueKind == JsonValueKind.Null)
        {
            // "All topics": null from v1, an empty list in v0.
            Assert.That(version == 0 ? request.Topics is { Count: 0 } : request.Topics is null, $"topics: {request.Topics?.Count}");
        }
        else
        {
            Assert.That(request.Topics!.Select(t => t.Name), Is.EqualTo(topics.EnumerateArray().Select(t => t.GetString())));
        }
        if (facts.TryGetProperty("allowAutoTopicCreation", out var allow))
        {
            Assert.That(request.AllowAutoTopicCreation, Is.EqualTo(allow.GetBoolean()));
        }
    }

    private static void CheckFindCoordinator(FindCoordinatorRequestData request, JsonElement facts)
    {
        if (facts.TryGetProperty("key", out var key))
        {
            Assert.That(request.Key, Is.EqualTo(key.GetString()));
        }
        if (facts.TryGetProperty("coordinatorKeys", out var keys))
        {
            Assert.That(request.CoordinatorKeys, Is.EqualTo(keys.EnumerateArray().Select(k => k.GetString())));
        }
        if (facts.TryGetProperty("keyType", out var keyType))
        {
            Assert.That(request.KeyType, Is.EqualTo(keyType.GetInt32()));
        }
    }

    private static void CheckJoinGroup(JoinGroupRequestData request, JsonElement facts)
    {
        Assert.Multiple(() =>
        {
            Assert.That(request.GroupId, Is.EqualTo(facts.GetProperty("groupId").GetString()));
            Assert.That(request.SessionTimeoutMs, Is.EqualTo(facts.GetProperty("sessionTimeoutMs").GetInt32()));
            if (facts.TryGetProperty("rebalanceTimeoutMs", out var rebalance))
            {
                Assert.That(request.RebalanceTimeoutMs, Is.EqualTo(rebalance.GetInt32()));
            }
            Assert.That(request.MemberId, Is.EqualTo(facts.GetProperty("memberId").GetString()));
            if (facts.TryGetProperty("groupInstanceId", out var instance))
            {
                Assert.That(request.GroupInstanceId, Is.EqualTo(instance.GetString()));
            }
            Assert.That(request.ProtocolType, Is.EqualTo(facts.GetProperty("protocolType").GetString()));
            Assert.That(request.Protocols.Select(p => p.Name), Is.EquivalentTo(facts.GetProperty("protocols").EnumerateArray().Select(p => p.GetString())));
        });
        // Each protocol's metadata is a ConsumerProtocolSubscription: int16 version, then the struct.
        // It is read at v0 (topics, user data: the same in every version) because
        // @platformatic/kafka 1.35.0 declares v1 but leaves out v1's OwnedPartitions.
        var expectedTopics = facts.GetProperty("subscribedTopics").EnumerateArray().Select(t => t.GetString()).ToList();
        foreach (var protocol in request.Protocols)
        {
            var reader = new KafkaReader(protocol.Metadata);
            Assert.That(reader.ReadInt16(), Is.InRange(0, ConsumerProtocolSubscription.HighestVersion));
            var subscription = new ConsumerProtocolSubscription();
            subscription.Read(ref reader, 0);
            Assert.That(subscription.Topics, Is.EqualTo(expectedTopics), protocol.Name);
        }
    }

    private static void CheckProduce(ProduceRequestData request, JsonElement facts)
    {
        Assert.That(request.Acks, Is.EqualTo(facts.GetProperty("acks").GetInt16()));
        Assert.That(request.TimeoutMs, Is.EqualTo(facts.GetProperty("timeoutMs").GetInt32()));
        Assert.That(request.TransactionalId, Is.EqualTo(facts.GetProperty("transactionalId").GetString()));
        var codec = facts.GetProperty("compression").GetString() switch
        {
            "none" => CompressionType.None,
            "gzip" => CompressionType.Gzip,
            "snappy" => CompressionType.Snappy,
            "lz4" => CompressionType.Lz4,
            "zstd" => CompressionType.Zstd,
            var other => throw new InvalidOperationException(other),
        };

        var expectedTopics = facts.GetProperty("topics").EnumerateArray().ToList();
        Assert.That(request.TopicData.Select(t => t.Name), Is.EqualTo(expectedTopics.Select(t => t.GetProperty("name").GetString())));
        foreach (var expectedTopic in expectedTopics)
        {
            var topic = request.TopicData.Find(expectedTopic.GetProperty("name").GetString()!)!;
            foreach (var expectedPartition in expectedTopic.GetProperty("partitions").EnumerateArray())
            {
                var partition = topic.PartitionData.Single(p => p.Index == expectedPartition.GetProperty("partition").GetInt32());
                var expected = expectedPartition.GetProperty("records").EnumerateArray().Select(Describe).ToList();
                var records = facts.TryGetProperty("magic", out var magic)
                    ? UpConvertLegacy(partition.Records!.Value, (byte)magic.GetInt32(), codec, facts)
                    : partition.Records!.Value;
                Assert.That(ReadRecords(records, codec), Is.EqualTo(expected));
            }
        }
    }

    /// <summary>
    /// A legacy message set (magic 0/1) as the broker takes it from Produce v0-2: every message's
    /// CRC-32 and magic, the wrapper's codec, then up-converted to the v2 batch that is appended,
    /// whose timestamps are the client's in magic 1 and NO_TIMESTAMP (-1) in magic 0.
    /// </summary>
    private static ReadOnlyMemory<byte> UpConvertLegacy(ReadOnlyMemory<byte> records, byte magic, CompressionType codec, JsonElement facts)
    {
        var messages = new LegacyMessageEnumerator(records);
        while (messages.MoveNext())
        {
            Assert.That(messages.Current.IsValidCrc(), "CRC-32 of the message as the client wrote it");
            Assert.That((messages.Current.Magic, messages.Current.CompressionCodecId), Is.EqualTo((magic, (int)codec)));
        }
        Assert.That(messages.HasTrailingPartialMessage, Is.False);
        var batch = new System.Buffers.ArrayBufferWriter<byte>();
        LegacyMessageSetConverter.ToRecordBatch(records, batch, 16 << 20);
        var timestamps = new List<long>();
        foreach (var converted in new RecordBatchSet(batch.WrittenMemory))
        {
            using var reader = converted.OpenRecords(16 << 20);
            foreach (var record in reader)
            {
                timestamps.Add(record.Timestamp);
            }
        }
        var expectedTimestamps = facts.TryGetProperty("timestamps", out var t) ? t.EnumerateArray().Select(e => e.GetInt64()).ToList() : [.. timestamps.Select(_ => -1L)];
        Assert.That(timestamps, Is.EqualTo(expectedTimestamps));
        return batch.WrittenMemory;
    }

    private static List<string> ReadRecords(ReadOnlyMemory<byte> records, CompressionType codec)
    {
        var described = new List<string>();
        foreach (var batch in new RecordBatchSet(records))
        {
            Assert.That(batch.Magic, Is.EqualTo(2));
            Assert.That(batch.IsValidCrc(), "CRC32C of the batch as the client wrote it");
            Assert.That(batch.Compression, Is.EqualTo(codec));
            using var reader = batch.OpenRecords(16 << 20);
            foreach (var record in reader)
            {
                var headers = new List<string>();
                foreach (var header in record.Headers)
                {
                    headers.Add($"{header.KeyString}={Text(header.Value)}");
                }
                described.Add($"{Text(record.Key)}|{Text(record.Value)}|{string.Join(",", headers)}");
            }
        }
        return described;
    }

    private static string Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : "<null>";

    private static string Describe(JsonElement record)
    {
        static string Str(JsonElement e) => e.ValueKind == JsonValueKind.Null ? "<null>" : e.GetString()!;
        var headers = record.GetProperty("headers").EnumerateArray().Select(h => $"{Str(h.GetProperty("key"))}={Str(h.GetProperty("value"))}");
        return $"{Str(record.GetProperty("key"))}|{Str(record.GetProperty("value"))}|{string.Join(",", headers)}";
    }
}
