namespace KafkaCompat.Records;

/// <summary>The batch header fields a record needs to turn its deltas into absolute values.</summary>
internal readonly record struct RecordBatchContext(
    long BaseOffset,
    long BaseTimestamp,
    long MaxTimestamp,
    TimestampType TimestampType);
