using KafkaCompat.Protocol;

namespace KafkaCompat.Storage;

/// <summary>
/// The log start offset of a partition log and what moves it: retention by time (retention.ms,
/// from each segment's largest timestamp) and size (retention.bytes), DeleteRecords, and deleting
/// the segments wholly below it. Only rolled segments wholly below the high watermark go. The log
/// start offset is checkpointed before segments are deleted, so a crash in between never brings
/// deleted offsets back. The log's append lock serializes every call.
/// </summary>
internal sealed class LogRetention(IFileSystem fileSystem, string directory, TopicPartition topicPartition, LogSegments segments, long logStartOffset)
{
    private long _logStartOffset = logStartOffset;

    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>
    /// DeleteRecords: moves the log start offset to <paramref name="offset"/> (-1 means the high
    /// watermark), never past the high watermark, and deletes the segments wholly below it.
    /// </summary>
    public DeleteRecordsResult DeleteRecordsBefore(long offset, long highWatermark, LogConfig config)
    {
        if (!config.DeleteEnabled)
        {
            return new DeleteRecordsResult(ErrorCode.PolicyViolation, LogStartOffset, $"Records of {topicPartition} cannot be deleted: its cleanup.policy is compact.");
        }

        long target = offset == -1 ? highWatermark : offset;
        if (target < 0 || target > highWatermark)
        {
            return new DeleteRecordsResult(ErrorCode.OffsetOutOfRange, LogStartOffset,
                $"Cannot delete records of {topicPartition} before {offset}: it is not in [0, high watermark {highWatermark}].");
        }

        if (target > LogStartOffset)
        {
            MaybeIncrementLogStartOffset(target);
            DeleteOldSegments(highWatermark, (_, next) => next.BaseOffset <= target);
        }

        return new DeleteRecordsResult(ErrorCode.None, LogStartOffset);
    }

    /// <summary>
    /// Deletes whole rolled segments below the high watermark that are past retention.ms, while the
    /// log is above retention.bytes, or wholly below the log start offset. Returns how many went.
    /// </summary>
    public int Apply(long nowMs, long highWatermark, LogConfig config)
    {
        int deleted = 0;
        if (config.DeleteEnabled && config.RetentionMs >= 0)
        {
            deleted += DeleteOldSegments(highWatermark, (segment, _) => nowMs - segment.LargestTimestamp > config.RetentionMs);
        }

        if (config.DeleteEnabled && config.RetentionBytes >= 0)
        {
            long excess = segments.Size - config.RetentionBytes;
            deleted += DeleteOldSegments(highWatermark, (segment, _) =>
            {
                if (excess - segment.Size < 0)
                {
                    return false;
                }

                excess -= segment.Size;
                return true;
            });
        }

        long logStartOffset = LogStartOffset;
        deleted += DeleteOldSegments(highWatermark, (_, next) => next.BaseOffset <= logStartOffset);
        return deleted;
    }

    /// <summary>Moves the log start offset forward (never back), checkpointing it first.</summary>
    public void MaybeIncrementLogStartOffset(long offset)
    {
        if (offset > LogStartOffset)
        {
            Checkpoint(offset);
        }
    }

    /// <summary>
    /// The whole log was truncated away and starts again at <paramref name="offset"/> (Kafka's
    /// truncateFullyAndStartAt): the log start offset follows it, even backwards.
    /// </summary>
    public void ResetTo(long offset) => Checkpoint(offset);

    /// <summary>Writes the checkpoint as it stands (at close).</summary>
    public void Checkpoint() => LogStartOffsetCheckpoint.Write(fileSystem, directory, topicPartition, LogStartOffset);

    private void Checkpoint(long offset)
    {
        LogStartOffsetCheckpoint.Write(fileSystem, directory, topicPartition, offset);
        Volatile.Write(ref _logStartOffset, offset);
    }

    /// <summary>Deletes the longest prefix of rolled segments, wholly below the high watermark, that <paramref name="shouldDelete"/> accepts.</summary>
    private int DeleteOldSegments(long highWatermark, Func<LogSegment, LogSegment, bool> shouldDelete)
    {
        IReadOnlyList<LogSegment> all = segments.All;
        int count = 0;
        while (count < all.Count - 1 && all[count + 1].BaseOffset <= highWatermark && shouldDelete(all[count], all[count + 1]))
        {
            count++;
        }

        if (count == 0)
        {
            return 0;
        }

        MaybeIncrementLogStartOffset(all[count].BaseOffset);
        segments.DeletePrefix(count);
        return count;
    }
}
