using System.Buffers;

namespace KafkaCompat.Records;

/// <summary>
/// Re-encodes a record batch: the one way a batch's bytes are rebuilt rather than kept as
/// received (a topic whose compression.type differs from the producer's codec). Everything the
/// batch says about its records is kept: offsets, timestamps and their type, keys, values,
/// headers, producer id, epoch and base sequence, the transactional and control flags.
/// </summary>
public static class RecordBatchRewriter
{
    /// <summary>Writes <paramref name="batch"/> again with <paramref name="compression"/>; returns the new batch's size.</summary>
    /// <exception cref="RecordsException">The batch's records cannot be read (or inflate past <paramref name="maxDecompressedBytes"/>).</exception>
    public static int Recompress(RecordBatch batch, CompressionType compression, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        using var builder = new RecordBatchBuilder(compression)
        {
            BaseOffset = batch.BaseOffset,
            PartitionLeaderEpoch = batch.PartitionLeaderEpoch,
            ProducerId = batch.ProducerId,
            ProducerEpoch = batch.ProducerEpoch,
            BaseSequence = batch.BaseSequence,
            IsTransactional = batch.IsTransactional,
            IsControl = batch.IsControl,
            LogAppendTime = batch.TimestampType == TimestampType.LogAppendTime ? batch.MaxTimestamp : null,
        };
        RecordHeader[] headers = [];
        try
        {
            using var records = batch.OpenRecords(maxDecompressedBytes);
            foreach (var record in records)
            {
                var count = record.Headers.Count;
                if (headers.Length < count)
                {
                    Return(headers);
                    headers = ArrayPool<RecordHeader>.Shared.Rent(count);
                }
                var index = 0;
                foreach (var header in record.Headers)
                {
                    headers[index++] = header;
                }
                builder.AppendWithOffset(record.Offset, record.Timestamp, record.Key, record.Value, headers.AsSpan(0, count));
            }
        }
        finally
        {
            Return(headers);
        }
        return builder.WriteTo(output);
    }

    private static void Return(RecordHeader[] headers)
    {
        if (headers.Length > 0)
        {
            // Cleared: the headers point into the request's buffer.
            ArrayPool<RecordHeader>.Shared.Return(headers, clearArray: true);
        }
    }
}
