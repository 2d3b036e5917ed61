using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// What the cleaner must keep of an active producer (Kafka's LastRecord): the last offset of its
/// last data batch, which carries its last sequence (-1 when a marker with a newer epoch came after
/// it), and its epoch, which a marker then carries alone.
/// </summary>
internal readonly record struct LastRecord(long LastDataOffset, short ProducerEpoch)
{
    /// <summary>
    /// Kafka's three cases: an inactive producer needs nothing; an active one keeps the batch holding
    /// its last data offset; one whose last entry is a marker of a newer epoch keeps that epoch's markers (fencing).
    /// </summary>
    public static bool IsLastBatchOfProducer(RecordBatch batch, IReadOnlyDictionary<long, LastRecord> lastRecords) =>
        batch.ProducerId >= 0
        && lastRecords.TryGetValue(batch.ProducerId, out LastRecord last)
        && (last.LastDataOffset >= 0 ? batch.LastOffset == last.LastDataOffset : batch.IsControl && batch.ProducerEpoch == last.ProducerEpoch);
}
