using System.Text;

namespace KafkaCompat.Records.Tests;

public class RecordBatchRewriterTests
{
    [Test]
    public void RecompressingKeepsEverythingButTheCodec(
        [ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType from,
        [ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType to)
    {
        using var builder = new RecordBatchBuilder(from)
        {
            BaseOffset = 1_000, PartitionLeaderEpoch = 7, ProducerId = 4_242, ProducerEpoch = 3, BaseSequence = 17, IsTransactional = true,
        };
        // Offsets with a gap and timestamps out of order, as a compacted or retried batch may hold.
        builder.AppendWithOffset(1_000, 5_000, Encoding.UTF8.GetBytes("k0"), Encoding.UTF8.GetBytes("v0"), new RecordHeader("h", Encoding.UTF8.GetBytes("x")));
        builder.AppendWithOffset(1_002, 4_000, null, null);
        builder.AppendWithOffset(1_003, 6_000, Encoding.UTF8.GetBytes("k3"), Array.Empty<byte>(), new RecordHeader("a", null), new RecordHeader("b", Encoding.UTF8.GetBytes("y")));
        var original = new RecordBatch(builder.ToArray());

        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var size = RecordBatchRewriter.Recompress(original, to, output, 1 << 20);
        var rewritten = new RecordBatch(output.WrittenMemory);

        Assert.That(size, Is.EqualTo(output.WrittenCount));
        Assert.That(rewritten.IsValidCrc(), Is.True);
        Assert.That(rewritten.Compression, Is.EqualTo(to));
        Assert.That((rewritten.BaseOffset, rewritten.LastOffset, rewritten.PartitionLeaderEpoch, rewritten.ProducerId, rewritten.ProducerEpoch, rewritten.BaseSequence, rewritten.IsTransactional, rewritten.MaxTimestamp, rewritten.TimestampType),
            Is.EqualTo((1_000L, 1_003L, 7, 4_242L, (short)3, 17, true, 6_000L, TimestampType.CreateTime)));
        Assert.That(Describe(rewritten), Is.EqualTo(Describe(original)));
    }

    [Test]
    public void ALogAppendTimeBatchStaysLogAppendTime()
    {
        using var builder = new RecordBatchBuilder { LogAppendTime = 9_999 };
        builder.Append(1, null, [1]);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        RecordBatchRewriter.Recompress(new RecordBatch(builder.ToArray()), CompressionType.Gzip, output, 1 << 20);
        var rewritten = new RecordBatch(output.WrittenMemory);
        Assert.That((rewritten.TimestampType, rewritten.MaxTimestamp), Is.EqualTo((TimestampType.LogAppendTime, 9_999L)));
    }

    private static List<string> Describe(RecordBatch batch)
    {
        var lines = new List<string>();
        using var records = batch.OpenRecords(1 << 20);
        foreach (var record in records)
        {
            var headers = new List<string>();
            foreach (var header in record.Headers)
            {
                headers.Add($"{Encoding.UTF8.GetString(header.Key.Span)}={(header.Value is { } v ? Encoding.UTF8.GetString(v.Span) : "null")}");
            }
            lines.Add($"{record.Offset} {record.Timestamp} {Text(record.Key)} {Text(record.Value)} [{string.Join(",", headers)}]");
        }
        return lines;
    }

    private static string Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? "'" + Encoding.UTF8.GetString(b.Span) + "'" : "null";
}
