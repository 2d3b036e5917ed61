using System.Buffers;
using System.Text;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// The oldest versions: Produce v0-2 with legacy message sets (magic 0/1) appended as record
/// batches v2, Fetch v0-3 answered with down-converted message sets, ListOffsets v0's offset list.
/// </summary>
public class LegacyFormatHandlerTests
{
    private static byte[] Message(long offset, byte magic, long timestamp, string? key, string value, byte attributes = 0)
    {
        byte[]? keyBytes = key is null ? null : Encoding.UTF8.GetBytes(key);
        byte[] valueBytes = Encoding.UTF8.GetBytes(value);
        var entry = new byte[LegacyMessageLayout.EntrySize(magic, keyBytes?.Length ?? -1, valueBytes.Length)];
        LegacyMessageWriter.Write(entry, offset, magic, attributes, timestamp, keyBytes, keyBytes is null, valueBytes, false);
        return entry;
    }

    private static byte[] GzipWrapper(long offset, byte magic, params byte[][] inner)
    {
        var compressed = new ArrayBufferWriter<byte>();
        CompressionCodecs.Compress(CompressionType.Gzip, inner.SelectMany(m => m).ToArray(), compressed);
        var entry = new byte[LegacyMessageLayout.EntrySize(magic, -1, compressed.WrittenCount)];
        LegacyMessageWriter.Write(entry, offset, magic, (byte)CompressionType.Gzip, 1, default, true, compressed.WrittenSpan, false);
        return entry;
    }

    private static ProduceRequestData Produce(int partition, byte[] records) => new()
    {
        Acks = -1,
        TimeoutMs = 30_000,
        TransactionalId = null,
        TopicData = [new() { Name = "t", PartitionData = [new() { Index = partition, Records = records }] }],
    };

    private static FetchRequestData Fetch(int partition, long offset, int partitionMaxBytes = 1 << 20) => new()
    {
        MaxWaitMs = 0,
        MinBytes = 1,
        MaxBytes = 50 << 20,
        Topics = [new() { Topic = "t", Partitions = [new() { Partition = partition, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes }] }],
    };

    private static List<(long Offset, long Timestamp, string? Key, string? Value)> StoredRecords(GroupHarness harness, int partition)
    {
        using var read = harness.Replicas.GetPartition("t", partition)!.Read(0, 1 << 20, KafkaCompat.Broker.Replication.FetchIsolation.HighWatermark, true);
        var records = new List<(long, long, string?, string?)>();
        foreach (var batch in new RecordBatchSet(read.Records))
        {
            Assert.That(batch.Magic, Is.EqualTo(2), "the log keeps one format");
            using var reader = batch.OpenRecords(1 << 20);
            foreach (var record in reader)
            {
                records.Add((record.Offset, record.Timestamp, Text(record.Key), Text(record.Value)));
            }
        }
        return records;
    }

    private static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;

    private static List<LegacyMessage> Messages(ReadOnlyMemory<byte>? records)
    {
        var messages = new List<LegacyMessage>();
        var enumerator = new LegacyMessageEnumerator(records ?? ReadOnlyMemory<byte>.Empty);
        while (enumerator.MoveNext())
        {
            messages.Add(enumerator.Current);
        }
        return messages;
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [TestCase((short)2)]
    [HandlerVersionTest(ApiKey.Produce, 0)]
    public async Task ProduceV0To2_AppendsTheLegacyMessagesAsRecordBatchV2(short version)
    {
        await using var harness = new GroupHarness();
        // Clients sent magic 0 with Produce v0-1 and magic 1 with v2 (KIP-32).
        byte magic = version <= 1 ? (byte)0 : (byte)1;
        var now = harness.Time.NowMs;

        var first = await harness.SendAsync<ProduceResponseData>(version, Produce(1, [.. Message(0, magic, now, "k1", "a"), .. Message(1, magic, now + 1, null, "b")]));
        var second = await harness.SendAsync<ProduceResponseData>(version, Produce(1, GzipWrapper(1, magic, Message(0, magic, now + 2, "k3", "c"), Message(1, magic, now + 3, "k4", "d"))));

        var p = first.Responses.Single().PartitionResponses.Single();
        Assert.That(((ErrorCode)p.ErrorCode, p.BaseOffset), Is.EqualTo((ErrorCode.None, 0L)));
        Assert.That(second.Responses.Single().PartitionResponses.Single().BaseOffset, Is.EqualTo(2L));
        long Stamp(long t) => magic == 0 ? -1 : t;
        Assert.That(StoredRecords(harness, 1), Is.EqualTo(new[]
        {
            (0L, Stamp(now), (string?)"k1", (string?)"a"), (1L, Stamp(now + 1), null, "b"), (2L, Stamp(now + 2), "k3", "c"), (3L, Stamp(now + 3), "k4", "d"),
        }));
    }

    [Test]
    public async Task ProduceV2_RefusesWhatKafkaRefuses()
    {
        await using var harness = new GroupHarness();
        var now = harness.Time.NowMs;
        var badCrc = Message(0, 1, now, "k", "value");
        badCrc[^1] ^= 1;
        var truncated = Message(0, 1, now, "k", "value")[..^2];
        var wrapperBelowItsInnerOffsets = GzipWrapper(1, 1, Message(0, 1, now, "k", "a"), Message(1, 1, now, "k", "b"), Message(2, 1, now, "k", "c"));
        var nested = GzipWrapper(0, 1, GzipWrapper(0, 1, Message(0, 1, now, "k", "a")));

        async Task<ErrorCode> ErrorOf(byte[] records) =>
            (ErrorCode)(await harness.SendAsync<ProduceResponseData>(2, Produce(0, records))).Responses.Single().PartitionResponses.Single().ErrorCode;

        Assert.That(await ErrorOf(badCrc), Is.EqualTo(ErrorCode.CorruptMessage));
        Assert.That(await ErrorOf(truncated), Is.EqualTo(ErrorCode.CorruptMessage));
        Assert.That(await ErrorOf(wrapperBelowItsInnerOffsets), Is.EqualTo(ErrorCode.InvalidRecord));
        Assert.That(await ErrorOf(nested), Is.EqualTo(ErrorCode.InvalidRecord));
        Assert.That(harness.Replicas.GetPartition("t", 0)!.LogEndOffset, Is.Zero, "nothing refused was appended");
    }

    [Test]
    public async Task ProduceV2_AMessageLargerThanMaxMessageBytes_IsMessageTooLarge()
    {
        await using var harness = new GroupHarness(new Dictionary<string, string> { ["message.max.bytes"] = "300" });

        var response = await harness.SendAsync<ProduceResponseData>(2, Produce(0, Message(0, 1, harness.Time.NowMs, "k", new string('x', 400))));

        Assert.That((ErrorCode)response.Responses.Single().PartitionResponses.Single().ErrorCode, Is.EqualTo(ErrorCode.MessageTooLarge));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [TestCase((short)2)]
    [TestCase((short)3)]
    [HandlerVersionTest(ApiKey.Fetch, 0)]
    public async Task FetchV0To3_DownConvertsToTheMagicOfTheirTime(short version)
    {
        await using var harness = new GroupHarness();
        var now = harness.Time.NowMs;
        await harness.SendAsync<ProduceResponseData>(8, Produce(2, ReplicaHarness.Batch(now, "a", "b")));
        using (var gzip = new RecordBatchBuilder(CompressionType.Gzip))
        {
            gzip.Append(now + 5, Encoding.UTF8.GetBytes("key"), Encoding.UTF8.GetBytes("c"), new RecordHeader("dropped", null));
            gzip.Append(now + 6, null, Encoding.UTF8.GetBytes("d"));
            await harness.SendAsync<ProduceResponseData>(8, Produce(2, gzip.ToArray()));
        }

        var response = await harness.SendAsync<FetchResponseData>(version, Fetch(2, 1));

        var partition = response.Responses.Single().Partitions.Single();
        Assert.That(((ErrorCode)partition.ErrorCode, partition.HighWatermark), Is.EqualTo((ErrorCode.None, 4L)));
        var messages = Messages(partition.Records);
        byte magic = version <= 1 ? (byte)0 : (byte)1;
        Assert.That(messages.Select(m => m.Magic), Is.All.EqualTo(magic));
        Assert.That(messages.Select(m => m.IsValidCrc()), Is.All.True);
        // Offset 0 is before the fetch offset; the gzip batch is one wrapper at its last offset.
        Assert.That(messages.Select(m => (m.Offset, m.CompressionCodecId, m.Timestamp)),
            Is.EqualTo(new[] { (1L, 0, magic == 0 ? -1 : now), (3L, (int)CompressionType.Gzip, magic == 0 ? -1 : now + 6) }));
        Assert.That(Text(messages[0].Value), Is.EqualTo("b"));
        using var inner = new PooledBufferWriter();
        CompressionCodecs.Decompress(CompressionType.Gzip, messages[1].ValueSpan, inner, 1 << 20);
        Assert.That(Messages(inner.WrittenMemory).Select(m => (m.Offset, Text(m.Key), Text(m.Value))),
            Is.EqualTo(new[] { (magic == 0 ? 2L : 0L, (string?)"key", (string?)"c"), (magic == 0 ? 3L : 1L, null, "d") }), "inner offsets: absolute in magic 0, relative in magic 1");
    }

    [TestCase((short)2, true)]
    [TestCase((short)3, false)]
    public async Task FetchOfAFirstMessageLargerThanThePartitionLimit_IsCutBeforeV3AndWholeFromV3(short version, bool cut)
    {
        await using var harness = new GroupHarness();
        await harness.SendAsync<ProduceResponseData>(8, Produce(0, ReplicaHarness.Batch(harness.Time.NowMs, new string('x', 1000))));

        var records = (await harness.SendAsync<FetchResponseData>(version, Fetch(0, 0, partitionMaxBytes: 100))).Responses.Single().Partitions.Single().Records!.Value;

        var enumerator = new LegacyMessageEnumerator(records);
        Assert.That((records.Length, enumerator.MoveNext()), Is.EqualTo(cut ? (100, false) : (LegacyMessageLayout.EntrySize(1, -1, 1000), true)));
    }

    [Test]
    public async Task FetchV1OfZstdData_IsUnsupportedCompressionType()
    {
        await using var harness = new GroupHarness();
        using (var zstd = new RecordBatchBuilder(CompressionType.Zstd))
        {
            await harness.SendAsync<ProduceResponseData>(8, Produce(0, zstd.Append(harness.Time.NowMs, null, Encoding.UTF8.GetBytes("z")).ToArray()));
        }

        var partition = (await harness.SendAsync<FetchResponseData>(1, Fetch(0, 0))).Responses.Single().Partitions.Single();

        Assert.That(((ErrorCode)partition.ErrorCode, partition.Records?.Length ?? 0), Is.EqualTo((ErrorCode.UnsupportedCompressionType, 0)));
    }

    [TestCase("false", ErrorCode.UnsupportedVersion)]
    [TestCase("true", ErrorCode.None)]
    public async Task FetchV3OfATopicWithDownConversionDisabled_IsUnsupportedVersion(string enabled, ErrorCode expected)
    {
        await using var harness = new GroupHarness();
        await harness.Metadata.CreateTopic("old", 1, new Dictionary<string, string> { ["message.downconversion.enable"] = enabled });
        var request = Fetch(0, 0);
        request.Topics[0].Topic = "old";
        await harness.SendAsync<ProduceResponseData>(8, new ProduceRequestData
        {
            Acks = -1,
            TimeoutMs = 30_000,
            TopicData = [new() { Name = "old", PartitionData = [new() { Index = 0, Records = ReplicaHarness.Batch(harness.Time.NowMs, "a") }] }],
        });

        var legacy = (await harness.SendAsync<FetchResponseData>(3, request)).Responses.Single().Partitions.Single();
        var current = (await harness.SendAsync<FetchResponseData>(4, request)).Responses.Single().Partitions.Single();

        Assert.That(((ErrorCode)legacy.ErrorCode, Messages(legacy.Records).Count), Is.EqualTo((expected, expected == ErrorCode.None ? 1 : 0)));
        Assert.That(((ErrorCode)current.ErrorCode, current.HighWatermark), Is.EqualTo((ErrorCode.None, 1L)), "v4+ needs no conversion");
    }

    [Test]
    [HandlerVersionTest(ApiKey.ListOffsets, 0)]
    public async Task ListOffsetsV0_ListsOffsetsNewestFirst()
    {
        await using var harness = new GroupHarness();
        var partition = harness.Replicas.GetPartition("t", 0)!;
        foreach (var timestamp in new long[] { 1_000, 2_000, 3_000 })
        {
            Assert.That(partition.AppendAsLeader(ReplicaHarness.Batch(timestamp, "v")).Error, Is.EqualTo(ErrorCode.None));
        }
        (long Timestamp, int Max)[] asked = [(-1, 1), (-1, 5), (-2, 1), (1_500, 1), (3_001, 1), (-1, 0)];
        var request = new ListOffsetsRequestData
        {
            ReplicaId = -1,
            Topics = [new() { Name = "t", Partitions = [.. asked.Select(a => new ListOffsetsRequestData.ListOffsetsPartition { PartitionIndex = 0, Timestamp = a.Timestamp, MaxNumOffsets = a.Max })] }],
        };
        request.Topics.Add(new() { Name = "t", Partitions = [new() { PartitionIndex = 9, Timestamp = -1, MaxNumOffsets = 1 }] });

        var response = await harness.SendAsync<ListOffsetsResponseData>(0, request);

        var answers = response.Topics[0].Partitions;
        Assert.That(answers.Select(a => a.ErrorCode), Is.All.Zero);
        Assert.That(answers.Select(a => a.OldStyleOffsets.ToArray()), Is.EqualTo(new long[][] { [3], [3, 0], [0], [1], [], [] }));
        Assert.That((ErrorCode)response.Topics[1].Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
    }
}
