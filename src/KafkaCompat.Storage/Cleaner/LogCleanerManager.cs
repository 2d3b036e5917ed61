namespace KafkaCompat.Storage;

/// <summary>
/// Which compacted log to clean next, and where each one's dirty part starts: the
/// <c>cleaner-offset-checkpoint</c> of every log dir (Kafka's checkpoint format), read at start and
/// rewritten after every clean. Used by the one cleaner thread only.
/// </summary>
internal sealed class LogCleanerManager(IFileSystem fileSystem)
{
    public const string CheckpointFileName = "cleaner-offset-checkpoint";

    private readonly Dictionary<string, Dictionary<TopicPartition, long>> _checkpoints = new(StringComparer.Ordinal);

    /// <summary>The checkpointed first dirty offset of the partition, or null.</summary>
    public long? Checkpoint(PartitionLog log) =>
        CheckpointsOf(LogDirOf(log)).TryGetValue(log.TopicPartition, out long offset) ? offset : null;

    /// <summary>
    /// The compacted log with the highest dirty ratio among those Kafka would clean now (dirty ratio
    /// above min.cleanable.dirty.ratio, or a record older than max.compaction.lag.ms), or null.
    /// </summary>
    public LogToClean? GrabFilthiestLog(IEnumerable<PartitionLog> logs, long nowMs, IReadOnlySet<TopicPartition> uncleanable) =>
        logs.Where(log => log.Config.CompactEnabled && !uncleanable.Contains(log.TopicPartition))
            .Select(log => Measure(log, nowMs))
            .Where(candidate => candidate.ShouldClean)
            .MaxBy(candidate => candidate.CleanableRatio);

    /// <summary>Kafka's cleanable offsets of a log and the sizes of its clean and dirty parts.</summary>
    public LogToClean Measure(PartitionLog log, long nowMs)
    {
        LogConfig config = log.Config;
        LogSegment[] segments = [.. log.Segments];
        long logStartOffset = log.LogStartOffset;
        long firstDirty = Checkpoint(log) is { } checkpointed && checkpointed >= logStartOffset && checkpointed <= log.LogEndOffset
            ? checkpointed
            : logStartOffset;

        // The active segment is never cleaned, nor anything a consumer cannot read yet.
        // As Kafka: nothing at or beyond the last stable offset is cleaned, so an open transaction's
        // records (and the markers that may yet abort them) stay as written until it is resolved.
        long firstUncleanable = Math.Min(segments[^1].BaseOffset, log.LastStableOffset);
        bool needCompactionNow = false;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            LogSegment segment = segments[i];
            if (segments[i + 1].BaseOffset <= firstDirty || segment.BaseOffset >= firstUncleanable)
            {
                continue;
            }

            // min.compaction.lag.ms: a segment with a record younger than that, and all after it, wait.
            if (config.MinCompactionLagMs > 0 && segment.LargestTimestamp > nowMs - config.MinCompactionLagMs)
            {
                firstUncleanable = segment.BaseOffset;
                break;
            }

            // max.compaction.lag.ms (KIP-354): measured from the first batch of each dirty segment.
            if (segment.FirstBatchTimestamp >= 0 && nowMs - segment.FirstBatchTimestamp > config.MaxCompactionLagMs)
            {
                needCompactionNow = true;
            }
        }

        firstDirty = Math.Min(firstDirty, firstUncleanable);
        long cleanBytes = 0;
        long cleanableBytes = 0;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            long end = segments[i + 1].BaseOffset;
            if (end <= logStartOffset)
            {
                continue;
            }

            // As Kafka counts them: a segment the first dirty offset falls inside (the offset map filled
            // up there last time) is in both parts.
            if (segments[i].BaseOffset < firstDirty)
            {
                cleanBytes += segments[i].Size;
            }

            if (end > firstDirty && segments[i].BaseOffset < firstUncleanable)
            {
                cleanableBytes += segments[i].Size;
            }
        }

        return new LogToClean(log, firstDirty, firstUncleanable, cleanBytes, cleanableBytes, needCompactionNow);
    }

    /// <summary>Records where the next clean of <paramref name="log"/> starts, keeping only entries of logs that still exist in its log dir.</summary>
    public void UpdateCheckpoint(PartitionLog log, long firstDirtyOffset, IEnumerable<PartitionLog> existing)
    {
        string logDir = LogDirOf(log);
        Dictionary<TopicPartition, long> checkpoints = CheckpointsOf(logDir);
        checkpoints[log.TopicPartition] = firstDirtyOffset;
        var present = existing.Where(l => LogDirOf(l) == logDir).Select(l => l.TopicPartition).ToHashSet();
        foreach (TopicPartition gone in checkpoints.Keys.Where(tp => !present.Contains(tp)).ToList())
        {
            checkpoints.Remove(gone);
        }

        OffsetCheckpointFile.Write(fileSystem, Path.Combine(logDir, CheckpointFileName), checkpoints.OrderBy(e => e.Key.Topic, StringComparer.Ordinal).ThenBy(e => e.Key.Partition));
    }

    /// <summary>Forgets a deleted partition, so a topic created again with its name starts dirty.</summary>
    public void Remove(PartitionLog log) => CheckpointsOf(LogDirOf(log)).Remove(log.TopicPartition);

    private static string LogDirOf(PartitionLog log) => Path.GetDirectoryName(log.Directory)!;

    private Dictionary<TopicPartition, long> CheckpointsOf(string logDir)
    {
        if (!_checkpoints.TryGetValue(logDir, out Dictionary<TopicPartition, long>? checkpoints))
        {
            // A missing or unreadable file means every compacted log starts dirty: more work, never data lost.
            checkpoints = OffsetCheckpointFile.Read(fileSystem, Path.Combine(logDir, CheckpointFileName)) ?? [];
            _checkpoints[logDir] = checkpoints;
        }

        return checkpoints;
    }
}
