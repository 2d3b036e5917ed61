using System.Buffers;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// Kafka's cleaning of one batch (what its MemoryRecords.filterTo does for the log cleaner). A record
/// stays when it has a key and is the latest for it (its offset is at least the map's); a tombstone
/// stays until the batch's delete horizon has passed (KIP-534: the first clean that keeps a tombstone
/// stamps the batch with now + delete.retention.ms). The batches of an aborted transaction go whole
/// (KIP-98); a committed transaction's records are compacted like any. A transaction marker stays
/// while a batch of its transaction is left before it; after that it gets a delete horizon the same
/// way and goes once the horizon has passed. Survivors are re-encoded into one batch with the
/// original base and last offset, partition leader epoch, producer id, epoch and base sequence,
/// transactional and control flags, timestamp type and compression codec. A batch that an active
/// producer's state rests on stays, emptied, when its records go.
/// </summary>
internal static class BatchFilter
{
    public static BatchOutcome Filter(RecordBatch batch, OffsetMap map, long nowMs, long deleteRetentionMs, bool isLastBatchOfProducer, CleanedTransactions transactions, IBufferWriter<byte> output)
    {
        if (batch.IsControl)
        {
            return FilterMarker(batch, transactions.OnControlBatch(batch), nowMs, deleteRetentionMs, isLastBatchOfProducer, output);
        }

        if (transactions.OnDataBatch(batch))
        {
            return Discard(batch, isLastBatchOfProducer, output);
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

        if (retained.Count == 0)
        {
            // Also a batch emptied by an earlier clean: once its producer has moved on, nothing needs it.
            return Discard(batch, isLastBatchOfProducer, output);
        }

        bool stampsHorizon = keepsTombstone && deleteHorizon is null;
        if (retained.Count == batch.RecordCount && !stampsHorizon)
        {
            output.Write(batch.Span);
            return BatchOutcome.Copied;
        }

        Rewrite(batch, retained, stampsHorizon ? SaturatingAdd(nowMs, deleteRetentionMs) : deleteHorizon, output);
        return BatchOutcome.Rewritten;
    }

    /// <summary>
    /// A marker is kept as it is while its transaction may have data left. Once none is left
    /// (<paramref name="transactionIsGone"/>) Kafka piggy-backs on the tombstone horizon (KIP-534):
    /// the first clean stamps now + delete.retention.ms, so that a consumer that has read the
    /// transaction's data still meets its marker; the first clean after the horizon removes it.
    /// </summary>
    private static BatchOutcome FilterMarker(RecordBatch batch, bool transactionIsGone, long nowMs, long deleteRetentionMs, bool isLastBatchOfProducer, IBufferWriter<byte> output)
    {
        long? deleteHorizon = batch.HasDeleteHorizon ? batch.BaseTimestamp : null;
        if (batch.RecordCount == 0 || (transactionIsGone && deleteHorizon is { } horizon && nowMs >= horizon))
        {
            return Discard(batch, isLastBatchOfProducer, output);
        }

        if (!transactionIsGone || deleteHorizon is not null)
        {
            output.Write(batch.Span);
            return BatchOutcome.Copied;
        }

        using RecordBatchReader reader = batch.OpenRecords(int.MaxValue);
        var records = new List<Record>(batch.RecordCount);
        foreach (Record record in reader)
        {
            records.Add(record);
        }

        Rewrite(batch, records, SaturatingAdd(nowMs, deleteRetentionMs), output);
        return BatchOutcome.Rewritten;
    }

    /// <summary>
    /// No record of the batch stays. Kafka keeps a producer's last batch so that its sequence and
    /// epoch still load from the log after a restart; the records can go, the header cannot.
    /// </summary>
    private static BatchOutcome Discard(RecordBatch batch, bool isLastBatchOfProducer, IBufferWriter<byte> output)
    {
        if (!isLastBatchOfProducer)
        {
            return BatchOutcome.Dropped;
        }

        output.Write(RecordBatchBuilder.EmptyLike(batch));
        return BatchOutcome.Emptied;
    }

    private static void Rewrite(RecordBatch batch, List<Record> retained, long? deleteHorizonMs, IBufferWriter<byte> output)
    {
        using var builder = RecordBatchBuilder.Like(batch, batch.Compression);
        // The batch keeps its offset range (KIP-98: a producer's sequence spans it) and, once it holds a tombstone or a marker whose transaction is gone, a delete horizon (KIP-534).
        builder.LastOffset = batch.LastOffset;
        builder.DeleteHorizonMs = deleteHorizonMs;
        foreach (Record record in retained)
        {
            builder.AppendCopy(record);
        }

        builder.WriteTo(output);
    }

    private static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
