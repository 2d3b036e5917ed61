namespace KafkaCompat.Storage;

/// <summary>
/// The recovery point of a partition log (everything below it is fsynced) and the flushes that
/// move it: on flush.messages, flush.ms, at a roll and at close. Concurrent callers share one fsync
/// (group commit): a caller that waited while another flushed finds its data covered and returns.
/// Its own lock, not the log's append lock, so appends go on while a flush waits for the disk.
/// </summary>
internal sealed class LogFlusher(LogSegments segments, TimeProvider time, long recoveryPoint)
{
    private readonly Lock _lock = new();
    private long _recoveryPoint = recoveryPoint;
    private long _lastFlushMs = time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Everything below this offset is known to be on disk.</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    /// <summary>
    /// Fsyncs the segments up to at least <paramref name="offset"/>: up to the log end read by
    /// <paramref name="currentLogEndOffset"/> once the lock is held, so one fsync also covers the
    /// callers that queued behind it.
    /// </summary>
    public void FlushUpTo(long offset, Func<long> currentLogEndOffset)
    {
        if (RecoveryPoint >= offset)
        {
            return;
        }

        lock (_lock)
        {
            if (RecoveryPoint >= offset)
            {
                return;
            }

            long target = currentLogEndOffset();
            segments.FlushFrom(RecoveryPoint);
            Volatile.Write(ref _recoveryPoint, Math.Max(target, offset));
            Volatile.Write(ref _lastFlushMs, time.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    /// <summary>Whether flush.ms has passed since the last flush with something unflushed below <paramref name="logEndOffset"/>.</summary>
    public bool IsDue(long nowMs, long logEndOffset, LogConfig config) =>
        config.FlushMs != long.MaxValue && logEndOffset > RecoveryPoint && nowMs - Volatile.Read(ref _lastFlushMs) >= config.FlushMs;

    /// <summary>The log was emptied and starts again at <paramref name="offset"/>: nothing below it is left to flush.</summary>
    public void ResetTo(long offset)
    {
        lock (_lock)
        {
            Volatile.Write(ref _recoveryPoint, offset);
        }
    }

    /// <summary>The log was truncated to <paramref name="logEndOffset"/>: nothing beyond it is on disk any more.</summary>
    public void TruncateTo(long logEndOffset)
    {
        lock (_lock)
        {
            Volatile.Write(ref _recoveryPoint, Math.Min(RecoveryPoint, logEndOffset));
        }
    }
}
