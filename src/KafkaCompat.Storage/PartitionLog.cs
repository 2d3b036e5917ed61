using System.Buffers;
using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// The log of one partition, owning its directory <c>&lt;log.dir&gt;/&lt;topic&gt;-&lt;partition&gt;/</c>:
/// segments, offsets (log start, high watermark, log end), idempotent producer state, flushing
/// and retention. Appends (and everything else that changes the log) are serialized by one lock;
/// reads run concurrently with them, bounded by offsets the appender has published.
/// </summary>
public sealed class PartitionLog : IDisposable
{
    private const int KeptProducerSnapshots = 2;

    private readonly IFileSystem _fileSystem;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Lock _flushLock = new();
    // Readers hold it shared while they read segment files; removing segments takes it exclusively.
    private readonly ReaderWriterLockSlim _segmentsLock = new();
    private readonly ProducerStateManager _producers;
    private LogConfig _config;
    private LogSegment[] _segments;
    private long _logStartOffset;
    private long _logEndOffset;
    private long _highWatermark;
    private long _recoveryPoint;
    private long _lastFlushMs;
    private int _latestLeaderEpoch = -1;
    private bool _closed;
    private bool _offline;

    private PartitionLog(IFileSystem fileSystem, string directory, TopicPartition topicPartition, LogConfig config, TimeProvider time,
        List<LogSegment> segments, long logStartOffset, ProducerStateManager producers, LogLoadInfo loadInfo)
    {
        _fileSystem = fileSystem;
        _time = time;
        Directory = directory;
        TopicPartition = topicPartition;
        _config = config;
        _segments = [.. segments];
        _logStartOffset = logStartOffset;
        _logEndOffset = segments[^1].NextOffset;
        _highWatermark = _logEndOffset;
        _recoveryPoint = _logEndOffset;
        _lastFlushMs = NowMs();
        _producers = producers;
        LoadInfo = loadInfo;
    }

    public TopicPartition TopicPartition { get; }

    public string Directory { get; }

    public LogConfig Config => Volatile.Read(ref _config);

    public LogLoadInfo LoadInfo { get; }

    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>The offset the next appended record gets.</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    public long HighWatermark => Volatile.Read(ref _highWatermark);

    /// <summary>The end of what read_committed consumers may see; the high watermark until transactions exist.</summary>
    public long LastStableOffset => HighWatermark;

    /// <summary>Everything below this offset is known to be on disk (fsynced).</summary>
    public long RecoveryPoint => Volatile.Read(ref _recoveryPoint);

    /// <summary>Bytes in all segments (DescribeLogDirs).</summary>
    public long Size => _segments.Sum(s => s.Size);

    public int SegmentCount => _segments.Length;

    /// <summary>The leader epoch of the last append, or -1.</summary>
    public int LatestLeaderEpoch => Volatile.Read(ref _latestLeaderEpoch);

    internal IReadOnlyList<LogSegment> Segments => _segments;

    private LogSegment ActiveSegment => _segments[^1];

    /// <summary>
    /// Opens (or creates) the partition's log under <paramref name="logDir"/>, recovering after an
    /// unclean shutdown. The high watermark starts at the recovered log end offset.
    /// </summary>
    public static PartitionLog Open(IFileSystem fileSystem, string logDir, TopicPartition topicPartition, LogConfig config, TimeProvider time)
    {
        string directory = Path.Combine(logDir, topicPartition.ToString());
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        (List<LogSegment> segments, long logStartOffset, ProducerStateManager producers, LogLoadInfo info) =
            LogLoader.Load(fileSystem, directory, topicPartition, config, nowMs);
        var log = new PartitionLog(fileSystem, directory, topicPartition, config, time, segments, logStartOffset, producers, info);
        // The latest epoch is what ListOffsets(latest) reports; after a restart it comes from the last batch.
        log._latestLeaderEpoch = log.LogEndOffset > log.LogStartOffset ? log.EpochAt(log.LogEndOffset - 1) : -1;
        return log;
    }

    /// <summary>Applies changed topic configs (IncrementalAlterConfigs); they take effect from the next append or retention run.</summary>
    public void UpdateConfig(LogConfig config) => Volatile.Write(ref _config, config);

    /// <summary>
    /// Appends batches the caller has validated (framing, CRC, record checks): gives them offsets and
    /// the leader epoch in place, stamps LogAppendTime when the topic asks for it, and writes the
    /// bytes as they are. Idempotent batches are checked against the producer state first; a retry of
    /// a retained batch is answered with its original offsets and nothing is written.
    /// </summary>
    public LogAppendResult Append(Memory<byte> records, int leaderEpoch)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long logStartOffset = LogStartOffset;
            if (_offline)
            {
                return LogAppendResult.Failed(ErrorCode.KafkaStorageError, logStartOffset, $"The log of {TopicPartition} failed an earlier write.");
            }

            LogConfig config = Config;
            if (records.Length > config.SegmentBytes)
            {
                return LogAppendResult.Failed(ErrorCode.RecordListTooLarge, logStartOffset,
                    $"The batches are {records.Length} bytes, larger than segment.bytes {config.SegmentBytes} of {TopicPartition}.");
            }

            AppendCheck check = CheckBatches(records.Span, config);
            if (check.Result is { } early)
            {
                return early with { LogStartOffset = logStartOffset };
            }

            if (check.BatchCount == 0)
            {
                return new LogAppendResult(ErrorCode.None, -1, -1, -1, logStartOffset);
            }

            long nowMs = NowMs();
            bool logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime;
            long maxTimestamp = logAppendTime ? nowMs : check.MaxTimestamp;
            long firstOffset = _logEndOffset;
            long lastOffset = firstOffset + check.OffsetCount - 1;
            LogSegment segment = ActiveSegment;
            try
            {
                if (segment.ShouldRoll(records.Length, maxTimestamp, lastOffset, nowMs, config))
                {
                    segment = Roll(nowMs);
                }

                AssignInPlace(records.Span, firstOffset, leaderEpoch, logAppendTime ? nowMs : -1);
                segment.Append(records.Span, config.IndexIntervalBytes, nowMs);
            }
            catch (IOException e)
            {
                // As Kafka takes a log dir offline on an I/O error: nothing more is written to this log.
                _offline = true;
                return LogAppendResult.Failed(ErrorCode.KafkaStorageError, logStartOffset, $"Writing to {TopicPartition} failed: {e.Message}");
            }

            UpdateProducerState(records.Span);
            Volatile.Write(ref _logEndOffset, lastOffset + 1);
            Volatile.Write(ref _latestLeaderEpoch, leaderEpoch);
            if (lastOffset + 1 - RecoveryPoint >= config.FlushMessages)
            {
                Flush();
            }

            return new LogAppendResult(ErrorCode.None, firstOffset, lastOffset, logAppendTime ? nowMs : -1, logStartOffset);
        }
    }

    /// <summary>
    /// Reads whole stored batches from the one containing <paramref name="fetchOffset"/>, up to
    /// <paramref name="maxBytes"/> (the first batch even when larger, if <paramref name="minOneBatch"/>),
    /// never a batch reaching <paramref name="maxOffsetExclusive"/> (the high watermark for consumers).
    /// </summary>
    public LogReadResult Read(long fetchOffset, int maxBytes, long maxOffsetExclusive, bool minOneBatch)
    {
        _segmentsLock.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long logStartOffset = LogStartOffset;
            long logEndOffset = LogEndOffset;
            long highWatermark = HighWatermark;
            if (fetchOffset < logStartOffset || fetchOffset > logEndOffset)
            {
                return new LogReadResult(ErrorCode.OffsetOutOfRange, null, 0, logStartOffset, highWatermark, LastStableOffset, logEndOffset);
            }

            var empty = new LogReadResult(ErrorCode.None, null, 0, logStartOffset, highWatermark, LastStableOffset, logEndOffset);
            long limit = Math.Min(maxOffsetExclusive, logEndOffset);
            if (fetchOffset >= limit || (maxBytes <= 0 && !minOneBatch))
            {
                return empty;
            }

            LogSegment[] segments = _segments;
            int index = FloorSegment(segments, fetchOffset);
            BatchLocation? start = null;
            for (; index < segments.Length && start is null; index++)
            {
                start = segments[index].TranslateOffset(fetchOffset);
            }

            index--;
            if (start is not { } first || first.LastOffset >= limit || (!minOneBatch && first.Size > maxBytes))
            {
                return empty;
            }

            long budget = minOneBatch ? Math.Max(maxBytes, first.Size) : maxBytes;
            long available = 0;
            for (int i = index; i < segments.Length && available < budget && (i == index || segments[i].BaseOffset < limit); i++)
            {
                available += segments[i].Size - (i == index ? first.Position : 0);
            }

            int toRead = (int)Math.Min(budget, available);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(toRead);
            int filled = 0;
            for (int i = index; i < segments.Length && filled < toRead && (i == index || segments[i].BaseOffset < limit); i++)
            {
                long from = i == index ? first.Position : 0;
                long inSegment = segments[i].Size - from;
                int read = segments[i].Read(from, buffer.AsSpan(filled, (int)Math.Min(toRead - filled, inSegment)));
                filled += read;
                if (read < inSegment)
                {
                    break;
                }
            }

            int length = WholeBatchesBelow(buffer.AsSpan(0, filled), limit);
            if (length == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return empty;
            }

            return new LogReadResult(ErrorCode.None, buffer, length, logStartOffset, highWatermark, LastStableOffset, logEndOffset);
        }
        finally
        {
            _segmentsLock.ExitReadLock();
        }
    }

    /// <summary>
    /// Sets the high watermark, kept within [log start, log end]; it may move back. Only for a log
    /// that is its own owner (the metadata log) and for truncation; a partition's owner moves it
    /// forward with <see cref="MaybeIncrementHighWatermark"/>.
    /// </summary>
    public long UpdateHighWatermark(long offset)
    {
        lock (_lock)
        {
            long clamped = Math.Clamp(offset, LogStartOffset, LogEndOffset);
            Volatile.Write(ref _highWatermark, clamped);
            return clamped;
        }
    }

    /// <summary>
    /// Moves the high watermark forward to <paramref name="offset"/> (at most the log end), never
    /// back: two appenders finishing out of order cannot hide each other's records. Returns whether it moved.
    /// </summary>
    public bool MaybeIncrementHighWatermark(long offset)
    {
        lock (_lock)
        {
            long target = Math.Min(offset, LogEndOffset);
            if (target <= HighWatermark)
            {
                return false;
            }

            Volatile.Write(ref _highWatermark, target);
            return true;
        }
    }

    /// <summary>
    /// ListOffsets for one partition: -2 (earliest) and -4 (earliest local: nothing is tiered) the log
    /// start offset, -1 (latest) <paramref name="maxOffsetExclusive"/> (the high watermark, or the
    /// last stable offset for read_committed), -3 the record with the largest timestamp, a timestamp
    /// the first record at or after it; null when there is no such record below
    /// <paramref name="maxOffsetExclusive"/>, and for -5 (latest tiered: nothing is tiered).
    /// </summary>
    public TimestampAndOffset? FetchOffsetByTimestamp(long timestamp, long maxOffsetExclusive)
    {
        const long NoTimestamp = -1;
        switch (timestamp)
        {
            case ListOffsetsTimestamp.Earliest or ListOffsetsTimestamp.EarliestLocal:
                return new TimestampAndOffset(NoTimestamp, LogStartOffset, EpochAt(LogStartOffset));
            case ListOffsetsTimestamp.Latest:
                return new TimestampAndOffset(NoTimestamp, maxOffsetExclusive, LatestLeaderEpoch);
            case ListOffsetsTimestamp.MaxTimestamp:
                return MaxTimestampOffset() is { } max && max.Offset < maxOffsetExclusive ? max : null;
            case < 0:
                return null;
            default:
                return OffsetForTimestamp(timestamp) is { } found && found.Offset < maxOffsetExclusive ? found : null;
        }
    }

    /// <summary>The first record at or after the log start offset whose timestamp is at least <paramref name="timestamp"/>.</summary>
    public TimestampAndOffset? OffsetForTimestamp(long timestamp)
    {
        _segmentsLock.EnterReadLock();
        try
        {
            long logStartOffset = LogStartOffset;
            foreach (LogSegment segment in _segments)
            {
                if (segment.MaxTimestamp >= timestamp && segment.NextOffset > logStartOffset)
                {
                    return segment.FindOffsetByTimestamp(timestamp, logStartOffset);
                }
            }

            return null;
        }
        finally
        {
            _segmentsLock.ExitReadLock();
        }
    }

    /// <summary>The record with the largest timestamp (the first one, when several share it): ListOffsets -3.</summary>
    public TimestampAndOffset? MaxTimestampOffset()
    {
        _segmentsLock.EnterReadLock();
        try
        {
            LogSegment? best = null;
            foreach (LogSegment segment in _segments)
            {
                if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.MaxTimestamp))
                {
                    best = segment;
                }
            }

            return best?.FindMaxTimestampRecord();
        }
        finally
        {
            _segmentsLock.ExitReadLock();
        }
    }

    /// <summary>
    /// DeleteRecords: moves the log start offset to <paramref name="offset"/> (-1 means the high
    /// watermark) and deletes the segments wholly below it. The new start is checkpointed first.
    /// </summary>
    public DeleteRecordsResult DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (!Config.DeleteEnabled)
            {
                return new DeleteRecordsResult(ErrorCode.PolicyViolation, LogStartOffset, $"Records of {TopicPartition} cannot be deleted: its cleanup.policy is compact.");
            }

            long target = offset == -1 ? HighWatermark : offset;
            if (target < 0 || target > HighWatermark)
            {
                return new DeleteRecordsResult(ErrorCode.OffsetOutOfRange, LogStartOffset,
                    $"Cannot delete records of {TopicPartition} before {offset}: it is not in [0, high watermark {HighWatermark}].");
            }

            if (target > LogStartOffset)
            {
                AdvanceLogStartOffset(target);
                DeleteOldSegments((_, next) => next.BaseOffset <= target);
            }

            return new DeleteRecordsResult(ErrorCode.None, LogStartOffset);
        }
    }

    /// <summary>
    /// Deletes whole rolled segments below the high watermark that are past retention.ms (by their
    /// largest timestamp), while the log is above retention.bytes, or wholly below the log start
    /// offset. Returns the number of segments deleted.
    /// </summary>
    public int ApplyRetention(long nowMs)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return 0;
            }

            LogConfig config = Config;
            int deleted = 0;
            if (config.DeleteEnabled && config.RetentionMs >= 0)
            {
                deleted += DeleteOldSegments((segment, _) => nowMs - segment.LargestTimestamp > config.RetentionMs);
            }

            if (config.DeleteEnabled && config.RetentionBytes >= 0)
            {
                long excess = Size - config.RetentionBytes;
                deleted += DeleteOldSegments((segment, _) =>
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
            deleted += DeleteOldSegments((_, next) => next.BaseOffset <= logStartOffset);
            return deleted;
        }
    }

    /// <summary>Forgets idempotent producers idle for <paramref name="producerIdExpirationMs"/> (producer.id.expiration.ms).</summary>
    public int RemoveExpiredProducers(long nowMs, long producerIdExpirationMs)
    {
        lock (_lock)
        {
            return _producers.RemoveExpired(nowMs, producerIdExpirationMs);
        }
    }

    /// <summary>
    /// Fsyncs everything appended so far. Concurrent callers share one fsync (group commit): a caller
    /// that waited while another flushed finds its data already covered and returns.
    /// </summary>
    public void Flush() => FlushUpTo(LogEndOffset);

    /// <summary>Flushes when flush.ms has passed since the last flush and something is pending (the log manager's timer calls it).</summary>
    public void FlushIfDue(long nowMs)
    {
        LogConfig config = Config;
        if (config.FlushMs != long.MaxValue && LogEndOffset > RecoveryPoint && nowMs - Volatile.Read(ref _lastFlushMs) >= config.FlushMs)
        {
            Flush();
        }
    }

    /// <summary>Flushes, writes the producer snapshot and the log start offset, and leaves the clean-shutdown marker so the next open skips recovery.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            try
            {
                if (!_offline)
                {
                    ActiveSegment.OnBecomeInactive();
                    Flush();
                    ActiveSegment.Flush();
                    WriteProducerSnapshot(LogEndOffset);
                    LogStartOffsetCheckpoint.Write(_fileSystem, Directory, TopicPartition, LogStartOffset);
                    _fileSystem.WriteAllAtomic(Path.Combine(Directory, LogLoader.CleanShutdownFileName), []);
                }
            }
            finally
            {
                CloseSegments();
            }
        }
    }

    /// <summary>Closes the log and removes its directory (DeleteTopics).</summary>
    public void Delete()
    {
        lock (_lock)
        {
            if (!_closed)
            {
                CloseSegments();
            }

            _fileSystem.DeleteDirectory(Directory);
        }
    }

    public void Dispose() => Close();

    // Log compaction (Cleaner/): the cleaner reads rolled segments without locks and swaps its
    // cleaned segments in here, where appends, retention and readers see the change at once.

    internal IFileSystem FileSystem => _fileSystem;

    /// <summary>The last offset each idempotent producer wrote: the cleaner keeps those batches, even emptied.</summary>
    internal HashSet<(long ProducerId, long LastOffset)> LastBatchesOfProducers()
    {
        lock (_lock)
        {
            return [.. _producers.Entries.Select(e => (e.ProducerId, e.LastOffset))];
        }
    }

    /// <summary>
    /// Replaces the consecutive rolled segments <paramref name="replaced"/> by the one <paramref name="swapIn"/>
    /// opens after renaming files, with readers held off, so no fetch sees a half-swapped log.
    /// False (and nothing done) when the log changed meanwhile: retention or DeleteRecords removed
    /// one of them, or the log was closed. An I/O error in the swap takes the log offline.
    /// </summary>
    internal bool ReplaceSegments(IReadOnlyList<LogSegment> replaced, Func<LogSegment> swapIn)
    {
        lock (_lock)
        {
            LogSegment[] segments = _segments;
            int start = Array.IndexOf(segments, replaced[0]);
            if (_closed || _offline || start < 0 || start + replaced.Count >= segments.Length
                || !segments.AsSpan(start, replaced.Count).SequenceEqual(replaced.ToArray()))
            {
                return false;
            }

            _segmentsLock.EnterWriteLock();
            try
            {
                LogSegment cleaned = swapIn();
                Volatile.Write(ref _segments, [.. segments[..start], cleaned, .. segments[(start + replaced.Count)..]]);
            }
            catch (IOException)
            {
                _offline = true;
                throw;
            }
            finally
            {
                _segmentsLock.ExitWriteLock();
            }

            return true;
        }
    }

    private static int FloorSegment(LogSegment[] segments, long offset)
    {
        int low = 0;
        int high = segments.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (segments[middle].BaseOffset <= offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return Math.Max(0, high);
    }

    /// <summary>The length of the leading whole batches whose last offset is below <paramref name="limit"/>.</summary>
    private static int WholeBatchesBelow(ReadOnlySpan<byte> data, long limit)
    {
        int position = 0;
        while (data.Length - position >= RecordBatchHeader.Size)
        {
            var header = new RecordBatchHeader(data[position..]);
            if (header.SizeInBytes > data.Length - position || header.LastOffset >= limit)
            {
                break;
            }

            position += (int)header.SizeInBytes;
        }

        return position;
    }

    private static void AssignInPlace(Span<byte> records, long firstOffset, int leaderEpoch, long logAppendTime)
    {
        long offset = firstOffset;
        int position = 0;
        while (position < records.Length)
        {
            Span<byte> batch = records[position..];
            var header = new RecordBatchHeader(batch);
            int size = (int)header.SizeInBytes;
            int lastOffsetDelta = header.LastOffsetDelta;
            // Neither field is covered by the CRC, so the client's CRC stays valid.
            RecordBatch.SetBaseOffset(batch, offset);
            RecordBatch.SetPartitionLeaderEpoch(batch, leaderEpoch);
            if (logAppendTime >= 0)
            {
                RecordBatch.SetMaxTimestamp(batch[..size], TimestampType.LogAppendTime, logAppendTime);
            }

            offset += lastOffsetDelta + 1L;
            position += size;
        }
    }

    /// <summary>The earlier batch of this append from the same producer, if any (a request rarely has two).</summary>
    private static bool FindEarlierBatch(ReadOnlySpan<byte> earlier, long producerId, out short producerEpoch, out int lastSequence)
    {
        producerEpoch = 0;
        lastSequence = -1;
        bool found = false;
        int position = 0;
        while (position < earlier.Length)
        {
            var header = new RecordBatchHeader(earlier[position..]);
            if (header.ProducerId == producerId)
            {
                found = true;
                producerEpoch = header.ProducerEpoch;
                lastSequence = ProducerStateManager.IncrementSequence(header.BaseSequence, header.LastOffsetDelta);
            }

            position += (int)header.SizeInBytes;
        }

        return found;
    }

    /// <summary>Walks the headers once: framing, sizes, producer sequence rules; sums offsets and the max timestamp.</summary>
    private AppendCheck CheckBatches(ReadOnlySpan<byte> records, LogConfig config)
    {
        int position = 0;
        int batchCount = 0;
        long offsetCount = 0;
        long maxTimestamp = -1;
        long lastProducerId = -1;
        short lastEpoch = 0;
        int lastSequence = -1;
        while (position < records.Length)
        {
            ReadOnlySpan<byte> rest = records[position..];
            if (rest.Length < RecordBatchHeader.Size)
            {
                return AppendCheck.Fail(ErrorCode.CorruptMessage, $"The records of {TopicPartition} end with a partial batch.");
            }

            var header = new RecordBatchHeader(rest);
            if (!header.IsPlausible(rest.Length))
            {
                return AppendCheck.Fail(ErrorCode.CorruptMessage, $"The records of {TopicPartition} hold a malformed batch at byte {position}.");
            }

            int size = (int)header.SizeInBytes;
            if (size > config.MaxMessageBytes)
            {
                return AppendCheck.Fail(ErrorCode.MessageTooLarge,
                    $"A batch of {size} bytes is larger than max.message.bytes {config.MaxMessageBytes} of {TopicPartition}.");
            }

            if (header.HasProducerId && !header.IsControl)
            {
                int firstSequence = header.BaseSequence;
                ProducerCheck check = header.ProducerId == lastProducerId
                    ? ProducerStateManager.CheckNext(lastEpoch, lastSequence, header.ProducerEpoch, firstSequence)
                    : FindEarlierBatch(records[..position], header.ProducerId, out short epoch, out int sequence)
                        ? ProducerStateManager.CheckNext(epoch, sequence, header.ProducerEpoch, firstSequence)
                        : _producers.Check(header.ProducerId, header.ProducerEpoch, firstSequence, ProducerStateManager.IncrementSequence(firstSequence, header.LastOffsetDelta));
                if (check.Duplicate is { } duplicate)
                {
                    return new AppendCheck(new LogAppendResult(ErrorCode.None, duplicate.FirstOffset, duplicate.LastOffset, -1, 0, IsDuplicate: true), 0, 0, 0);
                }

                if (check.Error != ErrorCode.None)
                {
                    return AppendCheck.Fail(check.Error, check.Error == ErrorCode.InvalidProducerEpoch
                        ? $"Producer {header.ProducerId} epoch {header.ProducerEpoch} is older than the current epoch of {TopicPartition}."
                        : $"Out of order sequence {firstSequence} from producer {header.ProducerId} (epoch {header.ProducerEpoch}) on {TopicPartition}.");
                }

                lastProducerId = header.ProducerId;
                lastEpoch = header.ProducerEpoch;
                lastSequence = ProducerStateManager.IncrementSequence(firstSequence, header.LastOffsetDelta);
            }

            maxTimestamp = Math.Max(maxTimestamp, header.MaxTimestamp);
            offsetCount += header.LastOffsetDelta + 1L;
            position += size;
            batchCount++;
        }

        return new AppendCheck(null, batchCount, offsetCount, maxTimestamp);
    }

    private void UpdateProducerState(ReadOnlySpan<byte> records)
    {
        int position = 0;
        while (position < records.Length)
        {
            var header = new RecordBatchHeader(records[position..]);
            if (header.HasProducerId && !header.IsControl)
            {
                _producers.Update(header.ProducerId, header.ProducerEpoch, new BatchMetadata(
                    header.BaseSequence,
                    ProducerStateManager.IncrementSequence(header.BaseSequence, header.LastOffsetDelta),
                    header.BaseOffset,
                    header.LastOffset,
                    header.MaxTimestamp));
            }

            position += (int)header.SizeInBytes;
        }
    }

    /// <summary>
    /// Starts a new active segment at the log end offset. The old one is fsynced first (Kafka does it
    /// in the background), which is what lets recovery check only the active segment.
    /// </summary>
    private LogSegment Roll(long nowMs)
    {
        LogSegment active = ActiveSegment;
        long newBaseOffset = _logEndOffset;
        if (active.BaseOffset == newBaseOffset)
        {
            return active;
        }

        active.OnBecomeInactive();
        FlushUpTo(newBaseOffset);
        active.Flush();
        LogSegment segment = LogSegment.Create(_fileSystem, Directory, newBaseOffset, Config, nowMs);
        Volatile.Write(ref _segments, [.. _segments, segment]);
        WriteProducerSnapshot(newBaseOffset);
        return segment;
    }

    private void FlushUpTo(long offset)
    {
        if (RecoveryPoint >= offset)
        {
            return;
        }

        lock (_flushLock)
        {
            if (RecoveryPoint >= offset)
            {
                return;
            }

            // Cover everything written so far, also for callers that queued behind this flush.
            long target = LogEndOffset;
            long recoveryPoint = RecoveryPoint;
            _segmentsLock.EnterReadLock();
            try
            {
                foreach (LogSegment segment in _segments)
                {
                    if (segment.NextOffset > recoveryPoint || segment == _segments[^1])
                    {
                        segment.Flush();
                    }
                }
            }
            finally
            {
                _segmentsLock.ExitReadLock();
            }

            Volatile.Write(ref _recoveryPoint, Math.Max(target, offset));
            Volatile.Write(ref _lastFlushMs, NowMs());
        }
    }

    private void AdvanceLogStartOffset(long offset)
    {
        // Checkpoint before deleting, so a crash in between never resurrects deleted offsets.
        LogStartOffsetCheckpoint.Write(_fileSystem, Directory, TopicPartition, offset);
        Volatile.Write(ref _logStartOffset, offset);
        if (HighWatermark < offset)
        {
            Volatile.Write(ref _highWatermark, offset);
        }
    }

    /// <summary>Deletes the longest prefix of rolled segments, wholly below the high watermark, that <paramref name="shouldDelete"/> accepts.</summary>
    private int DeleteOldSegments(Func<LogSegment, LogSegment, bool> shouldDelete)
    {
        LogSegment[] segments = _segments;
        long highWatermark = HighWatermark;
        int count = 0;
        while (count < segments.Length - 1 && segments[count + 1].BaseOffset <= highWatermark && shouldDelete(segments[count], segments[count + 1]))
        {
            count++;
        }

        if (count == 0)
        {
            return 0;
        }

        long newStart = segments[count].BaseOffset;
        if (newStart > LogStartOffset)
        {
            AdvanceLogStartOffset(newStart);
        }

        _segmentsLock.EnterWriteLock();
        try
        {
            Volatile.Write(ref _segments, segments[count..]);
        }
        finally
        {
            _segmentsLock.ExitWriteLock();
        }

        foreach (LogSegment segment in segments[..count])
        {
            segment.Delete();
        }

        return count;
    }

    private void WriteProducerSnapshot(long offset)
    {
        ProducerSnapshotFile.Write(_fileSystem, Directory, offset, _producers);
        foreach ((_, string path) in ProducerSnapshotFile.List(_fileSystem, Directory).Skip(KeptProducerSnapshots))
        {
            _fileSystem.DeleteFile(path);
        }
    }

    private int EpochAt(long offset)
    {
        _segmentsLock.EnterReadLock();
        try
        {
            LogSegment[] segments = _segments;
            return segments[FloorSegment(segments, offset)].TranslateOffset(offset)?.PartitionLeaderEpoch ?? LatestLeaderEpoch;
        }
        finally
        {
            _segmentsLock.ExitReadLock();
        }
    }

    private void CloseSegments()
    {
        _segmentsLock.EnterWriteLock();
        try
        {
            foreach (LogSegment segment in _segments)
            {
                segment.Dispose();
            }

            _closed = true;
        }
        finally
        {
            _segmentsLock.ExitWriteLock();
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The first pass over an append: a result to return at once (error or duplicate), or what the append will take.</summary>
    private readonly record struct AppendCheck(LogAppendResult? Result, int BatchCount, long OffsetCount, long MaxTimestamp)
    {
        public static AppendCheck Fail(ErrorCode error, string message) => new(LogAppendResult.Failed(error, 0, message), 0, 0, 0);
    }
}
