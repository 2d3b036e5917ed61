namespace KafkaCompat.Storage;

/// <summary>What the cleaner did with one batch.</summary>
internal enum BatchOutcome
{
    /// <summary>Every record stays and nothing in the header changes: the bytes are copied as they are.</summary>
    Copied,

    /// <summary>Some records (or a tombstone's delete horizon) changed: the survivors are re-encoded.</summary>
    Rewritten,

    /// <summary>No record stays, but the batch is an idempotent producer's last: its header stays, with no records.</summary>
    Emptied,

    /// <summary>No record stays and nothing needs the batch.</summary>
    Dropped,
}
