using Microsoft.Extensions.Logging;

namespace KafkaCompat.Raft;

/// <summary>
/// Snapshots a state machine takes (Kafka's RaftClient.createSnapshot, KIP-630) and the log's
/// cleaning behind them: a listener that has applied the committed log up to an offset writes its
/// state there, and the poll loop asks the log every <see cref="LogCleanIntervalMs"/> to apply its
/// retention, which moves the log start to a snapshot (never past the high watermark). A replica
/// that then needs records before the log start is sent to the snapshot by Fetch.
/// </summary>
public sealed partial class RaftClient
{
    /// <summary>How often the poll loop asks the log to clean (Kafka's client checks every minute); the simulation shortens it.</summary>
    public long LogCleanIntervalMs { get; init; } = 60_000;

    private long _nextLogCleanMs = -1;

    /// <summary>
    /// A writer for a snapshot of the state that holds every committed record before
    /// <paramref name="snapshotId"/>'s offset, whose last record has its epoch. Call it from a
    /// listener's callback (the client's thread), once the listener has applied those records.
    /// </summary>
    /// <param name="snapshotId">The end offset (exclusive) of the records the state contains and the epoch of the last one.</param>
    /// <param name="lastContainedLogTimestamp">The append time of that last record.</param>
    /// <returns>The writer; null when that snapshot exists already, or the log has moved past it.</returns>
    /// <exception cref="ArgumentException">The id is past the high watermark, or the log does not hold that offset in that epoch.</exception>
    /// <exception cref="InvalidOperationException">The client is not initialized.</exception>
    public SnapshotWriter? CreateSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp)
    {
        if (!_initialized)
        {
            throw new InvalidOperationException("Initialize the Raft client before creating a snapshot.");
        }
        var highWatermark = _log.HighWatermark;
        if (snapshotId.Offset > highWatermark)
        {
            throw new ArgumentException($"Snapshot {snapshotId} is past the high watermark {highWatermark}: only committed state may be snapshotted.", nameof(snapshotId));
        }
        if (snapshotId.Offset < _log.StartOffset)
        {
            // A later snapshot replaced the log there already (fetched from the leader or taken before).
            _logger.LogInformation("Not creating snapshot {Snapshot}: the log starts at {Start}", snapshotId, _log.StartOffset);
            return null;
        }
        var valid = _log.ValidateOffsetAndEpoch(snapshotId.Offset, snapshotId.Epoch);
        if (valid.Kind != ValidOffsetAndEpochKind.Valid)
        {
            throw new ArgumentException($"Snapshot {snapshotId} is not a position of the log, which answers it with {valid}.", nameof(snapshotId));
        }
        var raw = _log.CreateNewSnapshot(snapshotId);
        return raw is null ? null : new SnapshotWriter(raw, lastContainedLogTimestamp, NowMs, _log.OnSnapshotFrozen);
    }

    /// <summary>Applies the log's retention when its interval has passed; the time until the next check.</summary>
    private long MaybeCleanLog(long nowMs)
    {
        if (_nextLogCleanMs < 0)
        {
            _nextLogCleanMs = nowMs + LogCleanIntervalMs;
        }
        if (nowMs >= _nextLogCleanMs)
        {
            if (_log.MaybeClean())
            {
                _logger.LogInformation("The metadata log now starts at {Start}", _log.StartOffset);
            }
            _nextLogCleanMs = nowMs + LogCleanIntervalMs;
        }
        return _nextLogCleanMs - nowMs;
    }
}
