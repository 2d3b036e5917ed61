namespace KafkaCompat.Raft;

/// <summary>How far a read of the Raft log may go: up to the high watermark (committed) or the log end.</summary>
public enum RaftIsolation
{
    Committed,
    Uncommitted,
}
