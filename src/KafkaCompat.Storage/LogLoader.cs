namespace KafkaCompat.Storage;

/// <summary>
/// What opening a partition directory found and did: whether the clean-shutdown marker was there
/// (indexes trusted), how many segments were recovered (checked batch by batch, indexes rebuilt),
/// the bytes cut from torn or corrupt tails, and the offset of the producer snapshot loaded (-1 when
/// the producer state was rebuilt from the log start).
/// </summary>
public readonly record struct LogLoadInfo(bool HadCleanShutdown, int RecoveredSegments, long TruncatedBytes, long ProducerSnapshotOffset);

/// <summary>
/// Opens the files of a partition directory: segments (recovering the active one after an unclean
/// shutdown), the log start offset checkpoint and the producer state.
/// </summary>
internal static class LogLoader
{
    /// <summary>The marker <see cref="PartitionLog.Close"/> leaves; its absence at open means a crash.</summary>
    public const string CleanShutdownFileName = ".kafka_cleanshutdown";

    public static (List<LogSegment> Segments, long LogStartOffset, ProducerStateManager Producers, LogLoadInfo Info) Load(
        IFileSystem fileSystem, string directory, TopicPartition topicPartition, LogConfig config, long nowMs)
    {
        fileSystem.CreateDirectory(directory);
        List<long> swapped = SegmentSwap.Recover(fileSystem, directory);
        string marker = Path.Combine(directory, CleanShutdownFileName);
        bool clean = fileSystem.FileExists(marker);

        var baseOffsets = new List<long>();
        foreach (string path in fileSystem.ListFiles(directory))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                // A checkpoint or snapshot that was being written when the process stopped.
                fileSystem.DeleteFile(path);
            }
            else if (LogSegment.TryParseBaseOffset(name, LogSegment.LogExtension, out long baseOffset))
            {
                baseOffsets.Add(baseOffset);
            }
        }

        baseOffsets.Sort();
        long? checkpointed = LogStartOffsetCheckpoint.Read(fileSystem, directory);
        var segments = new List<LogSegment>(baseOffsets.Count);
        int recovered = 0;
        long truncated = 0;
        for (int i = 0; i < baseOffsets.Count; i++)
        {
            bool isActive = i == baseOffsets.Count - 1;
            // Rolled segments were fsynced at roll, so only the active one can have a torn tail.
            LogSegment segment = LogSegment.Open(fileSystem, directory, baseOffsets[i], config, nowMs, recover: !clean && isActive, out SegmentLoadInfo info);
            segments.Add(segment);
            if (!isActive)
            {
                // A rebuilt index of a rolled segment ends, as at roll, with the segment's max timestamp.
                segment.OnBecomeInactive();
            }

            recovered += info.Recovered ? 1 : 0;
            truncated += info.TruncatedBytes;
            if (info.TruncatedBytes > 0 && !isActive)
            {
                // As Kafka: data after a corrupt batch cannot be trusted to follow on, so later segments go.
                foreach (long later in baseOffsets.Skip(i + 1))
                {
                    foreach (string extension in LogSegment.Extensions)
                    {
                        string path = LogSegment.PathFor(directory, later, extension);
                        if (fileSystem.FileExists(path))
                        {
                            fileSystem.DeleteFile(path);
                        }
                    }
                }

                break;
            }
        }

        long logStartOffset = Math.Max(checkpointed ?? 0, segments.Count > 0 ? segments[0].BaseOffset : 0);
        long logEndOffset = segments.Count > 0 ? segments[^1].NextOffset : logStartOffset;
        if (segments.Count == 0 || logStartOffset > logEndOffset)
        {
            // Nothing on disk, or everything is below the log start offset (DeleteRecords up to the
            // end, then a crash cut the tail): start an empty log at the log start offset.
            foreach (LogSegment segment in segments)
            {
                segment.Delete();
            }

            segments.Clear();
            segments.Add(LogSegment.Create(fileSystem, directory, logStartOffset, config, nowMs));
            logEndOffset = logStartOffset;
        }

        if (swapped.Count > 0)
        {
            ProducerStateManager.RebuildTransactionIndexes(segments, swapped.Max());
        }

        (ProducerStateManager producers, long snapshotOffset) = ProducerStateManager.Load(fileSystem, directory, segments, logEndOffset);
        if (clean)
        {
            fileSystem.DeleteFile(marker);
        }

        return (segments, logStartOffset, producers, new LogLoadInfo(clean, recovered, truncated, snapshotOffset));
    }
}
