namespace KafkaCompat.Broker.Groups;

/// <summary>A committed offset as stored in an OffsetCommitValue record.</summary>
public sealed record OffsetAndMetadata(long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs, long? ExpireTimestampMs);
