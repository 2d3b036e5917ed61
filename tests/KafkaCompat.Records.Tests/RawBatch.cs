using System.Buffers.Binary;

namespace KafkaCompat.Records.Tests;

/// <summary>
/// Writes batch and record bytes field by field from the v2 layout, independently of
/// RecordBatchBuilder, and lets tests put any value (including invalid ones) in any field.
/// </summary>
internal sealed class RawBatch
{
    private readonly List<byte> _records = [];

    public long BaseOffset { get; set; } = 1000;

    public int PartitionLeaderEpoch { get; set; } = 5;

    public short Attributes { get; set; }

    public int LastOffsetDelta { get; set; }

    public long BaseTimestamp { get; set; } = 1_600_000_000_000;

    public long MaxTimestamp { get; set; } = 1_600_000_000_000;

    public long ProducerId { get; set; } = -1;

    public short ProducerEpoch { get; set; } = -1;

    public int BaseSequence { get; set; } = -1;

    public int RecordCount { get; set; }

    /// <summary>Raw bytes appended to the records section.</summary>
    public RawBatch Bytes(params byte[] bytes)
    {
        _records.AddRange(bytes);
        return this;
    }

    public static byte[] Varint(long value)
    {
        ulong zigzag = (ulong)((value << 1) ^ (value >> 63));
        var bytes = new List<byte>();
        while (zigzag >= 0x80)
        {
            bytes.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }

        bytes.Add((byte)zigzag);
        return [.. bytes];
    }

    /// <summary>A record body with every length written as given, prefixed by its real length.</summary>
    public static byte[] Record(long timestampDelta, int offsetDelta, byte[]? key, byte[]? value, params (byte[] Key, byte[]? Value)[] headers)
    {
        var body = new List<byte> { 0 };
        body.AddRange(Varint(timestampDelta));
        body.AddRange(Varint(offsetDelta));
        body.AddRange(Varint(key?.Length ?? -1));
        body.AddRange(key ?? []);
        body.AddRange(Varint(value?.Length ?? -1));
        body.AddRange(value ?? []);
        body.AddRange(Varint(headers.Length));
        foreach ((byte[] headerKey, byte[]? headerValue) in headers)
        {
            body.AddRange(Varint(headerKey.Length));
            body.AddRange(headerKey);
            body.AddRange(Varint(headerValue?.Length ?? -1));
            body.AddRange(headerValue ?? []);
        }

        return [.. Varint(body.Count), .. body];
    }

    public byte[] ToArray(bool validCrc = true)
    {
        var batch = new byte[61 + _records.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], PartitionLeaderEpoch);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], Attributes);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], LastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], BaseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], MaxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], RecordCount);
        _records.CopyTo(batch, 61);
        if (validCrc)
        {
            FixCrc(batch);
        }

        return batch;
    }

    public static void FixCrc(byte[] batch) =>
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), Crc32C.Compute(batch.AsSpan(21)));
}
