using System.Buffers;

namespace KafkaCompat.Records;

/// <summary>
/// Re-encodes a record batch with another codec, for a topic whose compression.type differs from
/// the producer's (the log cleaner rebuilds batches the same way, through
/// <see cref="RecordBatchBuilder.Like"/> and <see cref="RecordBatchBuilder.AppendCopy"/>). Everything the
/// batch says about its records is kept: offsets, timestamps and their type, keys, values,
/// headers, producer id, epoch and base sequence, the transactional and control flags.
/// </summary>
public static class RecordBatchRewriter
{
    /// <summary>Writes <paramref name="batch"/> again with <paramref name="compression"/>; returns the new batch's size.</summary>
    /// <exception cref="RecordsException">The batch's records cannot be read (or inflate past <paramref name="maxDecompressedBytes"/>).</exception>
    public static int Recompress(RecordBatch batch, CompressionType compression, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        using var builder = RecordBatchBuilder.Like(batch, compression);
        using var records = batch.OpenRecords(maxDecompressedBytes);
        foreach (var record in records)
        {
            builder.AppendCopy(record);
        }
        return builder.WriteTo(output);
    }
}
