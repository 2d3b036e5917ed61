namespace KafkaCompat.Broker.Groups;

/// <summary>
/// A committed offset as stored in an OffsetCommitValue record. <see cref="RecordOffset"/> is where
/// that record is in <c>__consumer_offsets</c> (-1 before it is written): when a transaction commits,
/// its offset replaces a partition's committed one only if its record is the later one, as Kafka
/// decides, so a plain commit made while the transaction was open is not undone.
/// </summary>
public sealed record OffsetAndMetadata(long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs, long? ExpireTimestampMs)
{
    public long RecordOffset { get; init; } = -1;
}
