using System.Buffers;
using static KafkaCompat.Records.LegacyMessageLayout;

namespace KafkaCompat.Records;

/// <summary>
/// Re-encodes record batches v2 as a legacy message set for Fetch v0-3, as Kafka down-converts for
/// clients that predate magic 2: magic 1 for Fetch 2-3, magic 0 for Fetch 0-1. One batch at a time:
/// an uncompressed batch becomes one message per record; a compressed batch becomes one wrapper of
/// the same codec whose inner messages carry offsets relative to the first (magic 1) or absolute
/// (magic 0), and whose own offset is the last inner message's. Headers have no place in the old
/// formats and are dropped; control batches are skipped; records below the fetch offset (a batch
/// read from its start) are left out. Output stops at <c>maxBytes</c> on a message boundary; the
/// first message goes out whole even when larger, or, for a client whose limit is hard (Fetch v0-2,
/// before KIP-74), cut at the limit, as Kafka sent a partial message that such a client reports as
/// too large.
/// </summary>
/// <remarks>
/// The one place fetched bytes are re-encoded; the v2 path sends segment bytes as they are. Memory
/// is bounded by one decompressed batch plus the output, which the caller bounds by maxBytes.
/// </remarks>
public static class RecordBatchDownConverter
{
    /// <summary>Writes the converted messages to <paramref name="output"/> and returns how many bytes it wrote.</summary>
    /// <exception cref="UnsupportedCompressionTypeException">A batch to convert is zstd compressed, which no legacy message can carry (KIP-110).</exception>
    public static int Convert(ReadOnlyMemory<byte> batches, long fetchOffset, byte toMagic, int maxBytes, bool hardMaxBytes, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(toMagic, (byte)1);
        var budget = new Budget(maxBytes, hardMaxBytes);
        PooledBufferWriter? inner = null;
        PooledBufferWriter? compressed = null;
        try
        {
            foreach (RecordBatch batch in new RecordBatchSet(batches))
            {
                if (batch.IsControl || batch.NextOffset <= fetchOffset)
                {
                    continue;
                }

                CompressionType codec = batch.Compression;
                if (codec == CompressionType.Zstd)
                {
                    throw new UnsupportedCompressionTypeException((int)codec);
                }

                using RecordBatchReader reader = batch.OpenRecords(maxDecompressedBytes);
                bool more = codec == CompressionType.None
                    ? WriteMessages(reader, fetchOffset, toMagic, ref budget, output)
                    : WriteWrapper(reader, codec, fetchOffset, toMagic, ref budget, output, inner ??= new(), compressed ??= new());
                if (!more)
                {
                    break;
                }
            }

            return budget.Written;
        }
        finally
        {
            inner?.Dispose();
            compressed?.Dispose();
        }
    }

    private static byte TimestampFlag(RecordBatch batch, byte toMagic) =>
        toMagic > 0 && batch.TimestampType == TimestampType.LogAppendTime ? LogAppendTimeFlag : (byte)0;

    private static bool WriteMessages(RecordBatchReader reader, long fetchOffset, byte toMagic, ref Budget budget, IBufferWriter<byte> output)
    {
        byte attributes = TimestampFlag(reader.Batch, toMagic);
        foreach (Record record in reader)
        {
            if (record.Offset < fetchOffset)
            {
                continue;
            }

            int size = EntrySize(toMagic, record.IsKeyNull ? -1 : record.KeySpan.Length, record.IsValueNull ? -1 : record.ValueSpan.Length);
            int admitted = budget.Admit(size);
            if (admitted == 0)
            {
                return false;
            }

            LegacyMessageWriter.Write(output.GetSpan(size), record.Offset, toMagic, attributes, record.Timestamp, record.KeySpan, record.IsKeyNull, record.ValueSpan, record.IsValueNull);
            output.Advance(admitted);
            if (admitted < size)
            {
                return false;
            }
        }

        return true;
    }

    private static bool WriteWrapper(RecordBatchReader reader, CompressionType codec, long fetchOffset, byte toMagic, ref Budget budget, IBufferWriter<byte> output, PooledBufferWriter inner, PooledBufferWriter compressed)
    {
        RecordBatch batch = reader.Batch;
        byte flag = TimestampFlag(batch, toMagic);
        inner.Clear();
        long firstOffset = -1;
        long lastOffset = -1;
        long maxTimestamp = -1;
        foreach (Record record in reader)
        {
            if (record.Offset < fetchOffset)
            {
                continue;
            }

            if (firstOffset < 0)
            {
                firstOffset = record.Offset;
            }

            int size = EntrySize(toMagic, record.IsKeyNull ? -1 : record.KeySpan.Length, record.IsValueNull ? -1 : record.ValueSpan.Length);
            long offset = toMagic > 0 ? record.Offset - firstOffset : record.Offset;
            LegacyMessageWriter.Write(inner.GetSpan(size), offset, toMagic, flag, record.Timestamp, record.KeySpan, record.IsKeyNull, record.ValueSpan, record.IsValueNull);
            inner.Advance(size);
            lastOffset = record.Offset;
            maxTimestamp = Math.Max(maxTimestamp, record.Timestamp);
        }

        if (firstOffset < 0)
        {
            return true;
        }

        compressed.Clear();
        ReadOnlySpan<byte> value = LegacyCompression.Compress(toMagic, codec, inner.WrittenSpan, compressed);
        long timestamp = batch.TimestampType == TimestampType.LogAppendTime ? batch.MaxTimestamp : maxTimestamp;
        int wrapperSize = EntrySize(toMagic, -1, value.Length);
        int admitted = budget.Admit(wrapperSize);
        if (admitted == 0)
        {
            return false;
        }

        LegacyMessageWriter.Write(output.GetSpan(wrapperSize), lastOffset, toMagic, (byte)((byte)codec | flag), timestamp, default, true, value, false);
        output.Advance(admitted);
        return admitted == wrapperSize;
    }

    /// <summary>How much of the response's limit the written messages use.</summary>
    private struct Budget(int maxBytes, bool hardMaxBytes)
    {
        public int Written { get; private set; }

        /// <summary>How many bytes of a message of <paramref name="size"/> may go out: all, a first message's part that fits a hard limit, or none (stop).</summary>
        public int Admit(int size)
        {
            if (Written + (long)size <= maxBytes || (Written == 0 && !hardMaxBytes))
            {
                Written += size;
                return size;
            }

            if (Written > 0)
            {
                return 0;
            }

            Written = Math.Max(maxBytes, 0);
            return Written;
        }
    }
}
