using System.Buffers;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// Kafka's cleaning of one batch (what its MemoryRecords.filterTo does for the log cleaner). A record
/// stays when it has a key and is the latest for it (its offset is at least the map's); a tombstone
/// stays until the batch's delete horizon has passed (KIP-534: the first clean that keeps a tombstone
/// stamps the batch with now + delete.retention.ms). Survivors are re-encoded into one batch with the
/// original base and last offset, partition leader epoch, producer id, epoch and base sequence,
/// transactional flag, timestamp type and compression codec. Control batches are kept untouched.
/// </summary>
internal static class BatchFilter
{
    public static BatchOutcome Filter(RecordBatch batch, OffsetMap map, long nowMs, long deleteRetentionMs, bool isLastBatchOfProducer, IBufferWriter<byte> output)
    {
        if (batch.IsControl)
        {
            output.Write(batch.Span);
            return BatchOutcome.Copied;
        }

        long? deleteHorizon = batch.HasDeleteHorizon ? batch.BaseTimestamp : null;
        using RecordBatchReader reader = batch.OpenRecords(int.MaxValue);
        var retained = new List<Record>(batch.RecordCount);
        bool keepsTombstone = false;
        foreach (Record record in reader)
        {
            if (record.IsKeyNull || record.Offset < map.Get(record.KeySpan))
            {
                // Kafka's cleaner drops keyless records of a compacted topic as invalid.
                continue;
            }

            if (record.IsValueNull)
            {
                if (deleteHorizon is { } horizon && nowMs >= horizon)
                {
                    continue;
                }

                keepsTombstone = true;
            }

            retained.Add(record);
        }

        bool stampsHorizon = keepsTombstone && deleteHorizon is null;
        if (retained.Count == batch.RecordCount && !stampsHorizon)
        {
            output.Write(batch.Span);
            return BatchOutcome.Copied;
        }

        if (retained.Count == 0)
        {
            // Kafka keeps an idempotent producer's last batch so that its sequence and epoch still
            // load from the log after a restart; the records can go, the header cannot.
            if (isLastBatchOfProducer)
            {
                output.Write(RecordBatchBuilder.EmptyLike(batch));
                return BatchOutcome.Emptied;
            }

            return BatchOutcome.Dropped;
        }

        using var builder = RecordBatchBuilder.Like(batch, batch.Compression);
        // The batch keeps its offset range (KIP-98: a producer's sequence spans it) and, once it holds a tombstone, a delete horizon (KIP-534).
        builder.LastOffset = batch.LastOffset;
        builder.DeleteHorizonMs = stampsHorizon ? SaturatingAdd(nowMs, deleteRetentionMs) : deleteHorizon;
        foreach (Record record in retained)
        {
            builder.AppendCopy(record);
        }

        builder.WriteTo(output);
        return BatchOutcome.Rewritten;
    }

    private static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
