namespace KafkaCompat.Raft;

/// <summary>What every <see cref="IRaftLog"/> answers the same way from its other members (the default methods of Kafka's RaftLog).</summary>
public static class RaftLogExtensions
{
    /// <summary>
    /// How a leader judges a follower's fetch position: <paramref name="offset"/> and
    /// <paramref name="epoch"/>, the epoch of the record before it (KIP-595). A position before the
    /// log start, at the start with another epoch than the snapshot there, or with an epoch older
    /// than that snapshot's, is answered with the latest snapshot to fetch (KIP-630); one the log
    /// does not hold, with the end offset and epoch of the log for that epoch (where the follower
    /// truncates); anything else is valid.
    /// </summary>
    /// <exception cref="InvalidOperationException">The log starts after 0 and has no snapshot.</exception>
    public static ValidOffsetAndEpoch ValidateOffsetAndEpoch(this IRaftLog log, long offset, int epoch)
    {
        if (log.StartOffset == 0 && offset == 0)
        {
            return ValidOffsetAndEpoch.Valid(new OffsetAndEpoch(0, 0));
        }
        if (log.EarliestSnapshotId is { } earliest
            && (offset < log.StartOffset || (offset == log.StartOffset && epoch != earliest.Epoch) || epoch < earliest.Epoch))
        {
            return ValidOffsetAndEpoch.Snapshot(log.LatestSnapshotId
                ?? throw new InvalidOperationException($"The log starts at {log.StartOffset} but has no latest snapshot."));
        }
        var end = log.EndOffsetForEpoch(epoch);
        return end.Epoch != epoch || end.Offset < offset
            ? ValidOffsetAndEpoch.Diverging(end)
            : ValidOffsetAndEpoch.Valid(new OffsetAndEpoch(offset, epoch));
    }

    /// <summary>
    /// A follower's truncation to the diverging end offset and epoch the leader answered: to that
    /// offset when this log holds the same epoch there (or the epoch is 0, before any leader), else
    /// to where this log's own history of that epoch ends. Returns the offset truncated to.
    /// </summary>
    public static long TruncateToEndOffset(this IRaftLog log, OffsetAndEpoch endOffset)
    {
        long truncationOffset;
        if (endOffset.Epoch == 0)
        {
            truncationOffset = Math.Min(endOffset.Offset, log.EndOffset);
        }
        else
        {
            var local = log.EndOffsetForEpoch(endOffset.Epoch);
            truncationOffset = local.Epoch == endOffset.Epoch ? Math.Min(local.Offset, endOffset.Offset) : local.Offset;
        }
        log.TruncateTo(truncationOffset);
        return truncationOffset;
    }

    /// <summary>The latest snapshot opened for reading, or null (the caller disposes it).</summary>
    public static IRawSnapshotReader? ReadLatestSnapshot(this IRaftLog log) =>
        log.LatestSnapshotId is { } latest ? log.ReadSnapshot(latest) : null;
}
