namespace KafkaCompat.Storage;

/// <summary>A ListOffsets answer: the offset found, its record's timestamp and the leader epoch of its batch (-1 when unknown).</summary>
public readonly record struct TimestampAndOffset(long Timestamp, long Offset, int LeaderEpoch);
