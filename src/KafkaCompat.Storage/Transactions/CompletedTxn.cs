namespace KafkaCompat.Storage;

/// <summary>
/// A transaction a COMMIT or ABORT marker ended in this partition: its producer, its first data
/// offset, the marker's offset, and the last stable offset the log has once it is resolved (the
/// first offset of the next ongoing transaction of another producer, else just past the marker),
/// which an aborted one's <see cref="AbortedTxn"/> entry records.
/// </summary>
internal readonly record struct CompletedTxn(long ProducerId, long FirstOffset, long LastOffset, bool IsAborted, long LastStableOffset)
{
    public AbortedTxn ToAbortedTxn() => new(ProducerId, FirstOffset, LastOffset, LastStableOffset);
}
