using System.Buffers;
using System.Text;

namespace KafkaCompat.Records.Tests.Legacy;

/// <summary>Hand-made legacy message sets, for the cases no real client writes (corrupt, nested, mis-numbered).</summary>
internal static class LegacyMessages
{
    public static byte[] Message(long offset, byte magic, long timestamp, string? key, string? value, byte attributes = 0)
    {
        byte[]? keyBytes = key is null ? null : Encoding.ASCII.GetBytes(key);
        byte[]? valueBytes = value is null ? null : Encoding.ASCII.GetBytes(value);
        return Message(offset, magic, timestamp, keyBytes, valueBytes, attributes);
    }

    public static byte[] Message(long offset, byte magic, long timestamp, byte[]? key, byte[]? value, byte attributes = 0)
    {
        var entry = new byte[LegacyMessageLayout.EntrySize(magic, key?.Length ?? -1, value?.Length ?? -1)];
        LegacyMessageWriter.Write(entry, offset, magic, attributes, timestamp, key, key is null, value, value is null);
        return entry;
    }

    /// <summary>A wrapper of <paramref name="codec"/> (not LZ4 in magic 0) around the concatenated inner entries.</summary>
    public static byte[] Wrapper(long offset, byte magic, CompressionType codec, params byte[][] inner)
    {
        var compressed = new ArrayBufferWriter<byte>();
        CompressionCodecs.Compress(codec, inner.SelectMany(m => m).ToArray(), compressed);
        return Message(offset, magic, 1_700_000_000_000, null, compressed.WrittenSpan.ToArray(), (byte)codec);
    }

    public static byte[] Concat(params byte[][] entries) => entries.SelectMany(e => e).ToArray();

    /// <summary>Converts to a v2 batch and returns it.</summary>
    public static RecordBatch ToBatch(byte[] messageSet)
    {
        var output = new ArrayBufferWriter<byte>();
        LegacyMessageSetConverter.ToRecordBatch(messageSet, output, 1 << 20);
        var batch = new RecordBatch(output.WrittenMemory.ToArray());
        batch.EnsureValid();
        return batch;
    }

    public static List<(long Offset, long Timestamp, string? Key, string? Value)> RecordsOf(RecordBatch batch)
    {
        using RecordBatchReader reader = batch.OpenRecords(1 << 20);
        var records = new List<(long, long, string?, string?)>();
        foreach (Record record in reader)
        {
            records.Add((record.Offset, record.Timestamp, Text(record.Key), Text(record.Value)));
        }

        return records;
    }

    public static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.ASCII.GetString(b.Span) : null;
}
