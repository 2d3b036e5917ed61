namespace KafkaCompat.Raft;

/// <summary>The offsets an append to the Raft log gave its batches (first and last record).</summary>
public readonly record struct RaftLogAppend(long FirstOffset, long LastOffset);
