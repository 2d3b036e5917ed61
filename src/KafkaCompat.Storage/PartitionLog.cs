using System.Buffers;
using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// The log of one partition, owning its directory <c>&lt;log.dir&gt;/&lt;topic&gt;-&lt;partition&gt;/</c>,
/// and the one face the broker sees of it: offsets (log start, high watermark, log end), appends,
/// reads, lookups, truncation, retention and flushing. The work is done by one type per concern:
/// <see cref="LogSegments"/> (the segment files), <see cref="ProducerStateManager"/> (idempotent
/// producers and their transactions, which hold the last stable offset back),
/// <see cref="LeaderEpochFileCache"/> (where each leader epoch starts),
/// <see cref="LogRetention"/> (the log start offset) and <see cref="LogFlusher"/> (the recovery point). Everything that changes the log is serialized by one append lock; reads run
/// concurrently with it, bounded by offsets the appender has published.
/// </summary>
public sealed class PartitionLog : IDisposable
{
    private readonly IFileSystem _fileSystem;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly LogSegments _segments;
    private readonly LogRetention _retention;
    private readonly LogFlusher _flusher;
    private readonly LeaderEpochFileCache _epochs;
    private readonly Func<long> _currentLogEndOffset;
    private ProducerStateManager _producers;
    private LogConfig _config;
    private long _logEndOffset;
    private long _highWatermark;
    private long _lastStableOffset;
    private bool _offline;

    private PartitionLog(IFileSystem fileSystem, string directory, TopicPartition topicPartition, LogConfig config, TimeProvider time,
        List<LogSegment> segments, long logStartOffset, ProducerStateManager producers, LogLoadInfo loadInfo)
    {
        _epochs = LeaderEpochFileCache.Load(fileSystem, directory, segments, segments[^1].NextOffset, loadInfo.HadCleanShutdown);
        _fileSystem = fileSystem;
        _time = time;
        Directory = directory;
        TopicPartition = topicPartition;
        _config = config;
        _segments = new LogSegments(fileSystem, directory, segments);
        _logEndOffset = segments[^1].NextOffset;
        _highWatermark = _logEndOffset;
        _producers = producers;
        _lastStableOffset = ComputeLastStableOffset();
        _retention = new LogRetention(fileSystem, directory, topicPartition, _segments, logStartOffset);
        _flusher = new LogFlusher(_segments, time, _logEndOffset);
        _currentLogEndOffset = () => LogEndOffset;
        LoadInfo = loadInfo;
    }

    public TopicPartition TopicPartition { get; }

    public string Directory { get; }

    public LogConfig Config => Volatile.Read(ref _config);

    public LogLoadInfo LoadInfo { get; }

    public long LogStartOffset => _retention.LogStartOffset;

    /// <summary>The offset the next appended record gets.</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    public long HighWatermark => Volatile.Read(ref _highWatermark);

    /// <summary>
    /// The end of what read_committed consumers may see (KIP-98): the high watermark, or the first
    /// offset of the earliest transaction not yet resolved below it, whichever is smaller. It moves
    /// only forward, except when the log is truncated.
    /// </summary>
    public long LastStableOffset => Volatile.Read(ref _lastStableOffset);

    /// <summary>The first offset of the earliest unresolved transaction (ongoing, or its marker not yet below the high watermark), or -1.</summary>
    public long FirstUnstableOffset
    {
        get
        {
            lock (_lock)
            {
                return _producers.FirstUnstableOffset;
            }
        }
    }

    /// <summary>Everything below this offset is known to be on disk (fsynced).</summary>
    public long RecoveryPoint => _flusher.RecoveryPoint;

    /// <summary>Bytes in all segments (DescribeLogDirs).</summary>
    public long Size => _segments.Size;

    public int SegmentCount => _segments.Count;

    /// <summary>The latest leader epoch the log holds records of (what ListOffsets latest reports), or -1.</summary>
    public int LatestLeaderEpoch => _epochs.LatestEpoch;

    internal IReadOnlyList<LogSegment> Segments => _segments.All;

    // Log compaction (Cleaner/) reads rolled segments without locks and swaps cleaned ones in here.
    internal IFileSystem FileSystem => _fileSystem;

    internal IReadOnlyList<EpochEntry> LeaderEpochEntries => _epochs.Entries;

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
        return new PartitionLog(fileSystem, directory, topicPartition, config, time, segments, logStartOffset, producers, info);
    }

    /// <summary>Applies changed topic configs (IncrementalAlterConfigs); they take effect from the next append or retention run.</summary>
    public void UpdateConfig(LogConfig config) => Volatile.Write(ref _config, config);

    /// <summary>
    /// Appends batches that nobody validated (the metadata log's own batches; the coordinators' go
    /// through <see cref="AppendAsCoordinator"/>):
    /// their headers are walked once here (<see cref="LogAppendInfo.TryAnalyze"/>), then they are
    /// appended as <see cref="Append(Memory{byte}, in LogAppendInfo, int)"/> does.
    /// </summary>
    public LogAppendResult Append(Memory<byte> records, int leaderEpoch) =>
        LogAppendInfo.TryAnalyze(records.Span, Config, TopicPartition, out LogAppendInfo info, out LogAppendResult failure)
            ? Append(records, in info, leaderEpoch)
            : failure with { LogStartOffset = LogStartOffset };

    /// <summary>
    /// Appends batches whose headers were walked into <paramref name="info"/> (by the produce
    /// validator, which also checked CRCs and records): gives them offsets and the leader epoch in
    /// place, stamps LogAppendTime when the topic asks for it, and writes the bytes as they are.
    /// Idempotent batches are checked against the producer state first; a retry of a retained batch
    /// is answered with its original offsets and nothing is written. No header is read again: the
    /// info is trusted, because only <see cref="LogAppendInfo.TryAdd"/> reads headers into it; what
    /// is checked (once, for free) is that it covers exactly these bytes, since pairing an info with
    /// other records is a bug in the caller.
    /// </summary>
    public LogAppendResult Append(Memory<byte> records, in LogAppendInfo info, int leaderEpoch) =>
        Append(records, in info, leaderEpoch, fromCoordinator: false);

    /// <summary>
    /// Appends a coordinator's own batches (Kafka's coordinator append origin). A transactional
    /// batch of the group coordinator (TxnOffsetCommit, KIP-98) carries the producer's id and epoch
    /// with base sequence 0 every time, as Kafka's coordinator runtime writes it, so only the
    /// producer epoch is checked (a fenced producer's commit is INVALID_PRODUCER_EPOCH); sequences
    /// and duplicates are the client path's concern, as in Kafka.
    /// </summary>
    public LogAppendResult AppendAsCoordinator(Memory<byte> records, int leaderEpoch) =>
        LogAppendInfo.TryAnalyze(records.Span, Config, TopicPartition, out LogAppendInfo info, out LogAppendResult failure)
            ? Append(records, in info, leaderEpoch, fromCoordinator: true)
            : failure with { LogStartOffset = LogStartOffset };

    private LogAppendResult Append(Memory<byte> records, in LogAppendInfo info, int leaderEpoch, bool fromCoordinator)
    {
        if (info.Bytes != records.Length)
        {
            throw new ArgumentException($"The append info covers {info.Bytes} bytes, the records are {records.Length}.", nameof(info));
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_segments.IsClosed, this);
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

            if (info.BatchCount == 0)
            {
                return new LogAppendResult(ErrorCode.None, -1, -1, -1, logStartOffset);
            }

            int batchIndex;
            ProducerCheck check = fromCoordinator ? _producers.CheckCoordinatorAppend(in info, out batchIndex) : _producers.CheckAppend(in info, out batchIndex);
            if (check.Duplicate is { } duplicate)
            {
                return new LogAppendResult(ErrorCode.None, duplicate.FirstOffset, duplicate.LastOffset, -1, logStartOffset, IsDuplicate: true);
            }

            if (check.Error != ErrorCode.None)
            {
                return LogAppendResult.Failed(check.Error, logStartOffset, RefusalMessage(check.Error, info[batchIndex]));
            }

            long nowMs = NowMs();
            long logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? nowMs : -1;
            if (!TryWrite(records, in info, leaderEpoch, logAppendTime, nowMs, config, out long firstOffset, out LogSegment? _))
            {
                return LogAppendResult.Failed(ErrorCode.KafkaStorageError, logStartOffset, $"Writing to {TopicPartition} failed.");
            }

            _producers.Update(in info, firstOffset, logAppendTime);
            return Appended(firstOffset, firstOffset + info.OffsetCount - 1, leaderEpoch, logAppendTime, logStartOffset, config);
        }
    }

    /// <summary>
    /// Whether the producer has a transaction open in this partition (data written, no marker yet) at
    /// this epoch: KIP-890 verification is skipped then. The epoch counts because a producer of
    /// transaction version 2 starts each transaction at a new epoch while the previous one's marker
    /// may still be on its way: its first batch must go to the coordinator, which answers
    /// CONCURRENT_TRANSACTIONS until that marker is written (Kafka compares the epoch too).
    /// </summary>
    public bool HasOngoingTransaction(long producerId, short producerEpoch)
    {
        lock (_lock)
        {
            return _producers.Get(producerId) is { CurrentTxnFirstOffset: >= 0 } entry && entry.ProducerEpoch == producerEpoch;
        }
    }

    /// <summary>
    /// WriteTxnMarkers: appends a COMMIT or ABORT marker for the producer's transaction (Kafka's
    /// appendAsLeader of an end-transaction marker, KIP-98), after Kafka's checks: a producer epoch
    /// older than the producer's (with transaction version 2, not newer) is INVALID_PRODUCER_EPOCH, a coordinator epoch older than the last
    /// marker's TRANSACTION_COORDINATOR_FENCED. A marker for a producer with no transaction here is
    /// written too (the coordinator marks every partition it added). An ABORT of a transaction
    /// that wrote data adds its entry to the active segment's <c>.txnindex</c>.
    /// </summary>
    public LogAppendResult AppendEndTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, bool commit, int leaderEpoch, short transactionVersion = 0)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_segments.IsClosed, this);
            long logStartOffset = LogStartOffset;
            if (_offline)
            {
                return LogAppendResult.Failed(ErrorCode.KafkaStorageError, logStartOffset, $"The log of {TopicPartition} failed an earlier write.");
            }

            ErrorCode error = _producers.CheckEndTxnMarker(producerId, producerEpoch, coordinatorEpoch, transactionVersion);
            if (error != ErrorCode.None)
            {
                ProducerStateEntry current = _producers.Get(producerId)!;
                return LogAppendResult.Failed(error, logStartOffset, error == ErrorCode.InvalidProducerEpoch
                    ? $"The marker's epoch {producerEpoch} of producer {producerId} is not valid against its current epoch {current.ProducerEpoch} on {TopicPartition} (transaction version {transactionVersion})."
                    : $"The marker's coordinator epoch {coordinatorEpoch} for producer {producerId} is older than the last one seen, {current.CoordinatorEpoch}, on {TopicPartition}.");
            }

            long nowMs = NowMs();
            var marker = new EndTransactionMarker(commit ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch);
            var buffer = new ArrayBufferWriter<byte>(128);
            marker.WriteBatch(buffer, producerId, producerEpoch, nowMs);
            Memory<byte> records = buffer.WrittenMemory.ToArray();
            LogConfig config = Config;
            if (!LogAppendInfo.TryAnalyze(records.Span, config, TopicPartition, out LogAppendInfo info, out LogAppendResult failure))
            {
                return failure with { LogStartOffset = logStartOffset };
            }

            long logAppendTime = config.MessageTimestampType == TimestampType.LogAppendTime ? nowMs : -1;
            if (!TryWrite(records, in info, leaderEpoch, logAppendTime, nowMs, config, out long offset, out LogSegment? segment))
            {
                return LogAppendResult.Failed(ErrorCode.KafkaStorageError, logStartOffset, $"Writing to {TopicPartition} failed.");
            }

            if (_producers.CompleteTxn(producerId, producerEpoch, marker, offset, logAppendTime >= 0 ? logAppendTime : nowMs) is { IsAborted: true } aborted)
            {
                try
                {
                    segment!.TxnIndex.Append(aborted.ToAbortedTxn());
                }
                catch (IOException e)
                {
                    _offline = true;
                    return LogAppendResult.Failed(ErrorCode.KafkaStorageError, logStartOffset, $"Writing the transaction index of {TopicPartition} failed: {e.Message}");
                }
            }

            return Appended(offset, offset, leaderEpoch, logAppendTime, logStartOffset, config);
        }
    }

    /// <summary>
    /// Reads whole stored batches from the one containing <paramref name="fetchOffset"/>, up to
    /// <paramref name="maxBytes"/> (the first batch even when larger, if <paramref name="minOneBatch"/>),
    /// never a batch reaching <paramref name="maxOffsetExclusive"/> (the high watermark for consumers).
    /// </summary>
    public LogReadResult Read(long fetchOffset, int maxBytes, long maxOffsetExclusive, bool minOneBatch) =>
        Read(fetchOffset, maxBytes, maxOffsetExclusive, minOneBatch, abortedTransactions: false);

    /// <summary>
    /// As <see cref="Read(long, int, long, bool)"/>; with <paramref name="abortedTransactions"/>
    /// (read_committed) the result also lists the aborted transactions overlapping the batches
    /// returned, from the segments' <c>.txnindex</c> (Kafka's collectAbortedTransactions).
    /// </summary>
    public LogReadResult Read(long fetchOffset, int maxBytes, long maxOffsetExclusive, bool minOneBatch, bool abortedTransactions)
    {
        // Offsets are taken under the segments' shared lock, so no cleaner swap falls between them and the read.
        _segments.EnterRead();
        try
        {
            long logStartOffset = LogStartOffset;
            long logEndOffset = LogEndOffset;
            long highWatermark = HighWatermark;
            long lastStableOffset = LastStableOffset;
            if (fetchOffset < logStartOffset || fetchOffset > logEndOffset)
            {
                return new LogReadResult(ErrorCode.OffsetOutOfRange, null, 0, logStartOffset, highWatermark, lastStableOffset, logEndOffset);
            }

            long limit = Math.Min(maxOffsetExclusive, logEndOffset);
            (byte[] Buffer, int Length, long NextOffset)? read = fetchOffset >= limit || (maxBytes <= 0 && !minOneBatch)
                ? null
                : _segments.Read(fetchOffset, maxBytes, limit, minOneBatch);
            if (read is not { } batches)
            {
                return new LogReadResult(ErrorCode.None, null, 0, logStartOffset, highWatermark, lastStableOffset, logEndOffset);
            }

            List<AbortedTxn>? aborted = abortedTransactions ? _segments.CollectAbortedTxns(fetchOffset, batches.NextOffset) : null;
            return new LogReadResult(ErrorCode.None, batches.Buffer, batches.Length, logStartOffset, highWatermark, lastStableOffset, logEndOffset, aborted);
        }
        finally
        {
            _segments.ExitRead();
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
            _producers.OnHighWatermarkUpdated(clamped);
            Volatile.Write(ref _lastStableOffset, ComputeLastStableOffset());
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
            _producers.OnHighWatermarkUpdated(target);
            AdvanceLastStableOffset();
            return true;
        }
    }

    /// <summary>
    /// Removes every record at or after <paramref name="offset"/> (Kafka's truncateTo): what a
    /// follower does when its log diverged from the leader's, at the end offset of the last leader
    /// epoch they share. Segments beyond it are deleted and the one holding it is cut with its
    /// indexes; the high watermark, recovery point and log start offset never stay beyond the new
    /// end; the producer state is rebuilt from the newest snapshot at or below it (later snapshots
    /// are deleted) plus the batches after it; the leader epoch cache forgets the epochs that
    /// started at or after it. A batch straddling <paramref name="offset"/> goes whole, so the new
    /// end (returned) may be below it. Nothing happens when <paramref name="offset"/> is at or past
    /// the log end. An I/O error takes the log offline, as a failed append does.
    /// </summary>
    public long TruncateTo(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_segments.IsClosed, this);
            if (_offline)
            {
                throw new IOException($"The log of {TopicPartition} failed an earlier write and cannot be truncated.");
            }

            if (offset >= LogEndOffset)
            {
                return LogEndOffset;
            }

            try
            {
                long logEndOffset = _segments.TruncateTo(offset, Config, NowMs());
                if (logEndOffset < LogStartOffset)
                {
                    // Everything was cut (Kafka's truncateFullyAndStartAt): the log starts again at its new end.
                    _retention.ResetTo(logEndOffset);
                }

                Volatile.Write(ref _logEndOffset, logEndOffset);
                Volatile.Write(ref _highWatermark, Math.Clamp(HighWatermark, LogStartOffset, logEndOffset));
                _flusher.TruncateTo(logEndOffset);
                (_producers, _) = ProducerStateManager.Load(_fileSystem, Directory, _segments.All, logEndOffset);
                _producers.OnHighWatermarkUpdated(HighWatermark);
                // The one way back: what was stable may have been cut.
                Volatile.Write(ref _lastStableOffset, ComputeLastStableOffset());
                _epochs.TruncateFromEnd(logEndOffset);
                return logEndOffset;
            }
            catch (IOException)
            {
                // Half-truncated files are for recovery to sort out: as after a failed append, nothing more is written here.
                _offline = true;
                throw;
            }
        }
    }

    /// <summary>
    /// Empties the log and starts it again at <paramref name="offset"/>, which may lie beyond the old
    /// log end (Kafka's truncateFullyAndStartAt): what a Raft follower does when it takes a snapshot
    /// from the leader that its log does not reach (KIP-630). The log start offset is checkpointed
    /// first, so a crash in between reopens the log empty at the new offset at worst (the loader
    /// starts an empty log at a checkpointed start beyond the segments); the leader epochs, producer
    /// state and its snapshots go with the records. The high watermark and recovery point follow
    /// the new start. An I/O error takes the log offline.
    /// </summary>
    public void TruncateFullyAndStartAt(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_segments.IsClosed, this);
            if (_offline)
            {
                throw new IOException($"The log of {TopicPartition} failed an earlier write and cannot be truncated.");
            }

            try
            {
                _retention.ResetTo(offset);
                _segments.TruncateFullyAndStartAt(offset, Config, NowMs());
                foreach ((long _, string path) in ProducerSnapshotFile.List(_fileSystem, Directory))
                {
                    _fileSystem.DeleteFile(path);
                }

                _epochs.Clear();
                Volatile.Write(ref _logEndOffset, offset);
                Volatile.Write(ref _highWatermark, offset);
                _flusher.ResetTo(offset);
                (_producers, _) = ProducerStateManager.Load(_fileSystem, Directory, _segments.All, offset);
                Volatile.Write(ref _lastStableOffset, ComputeLastStableOffset());
            }
            catch (IOException)
            {
                _offline = true;
                throw;
            }
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
                return new TimestampAndOffset(NoTimestamp, LogStartOffset, _epochs.EpochFor(LogStartOffset));
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

    /// <summary>
    /// OffsetsForLeaderEpoch: the largest epoch this log knows at most <paramref name="leaderEpoch"/>
    /// and the offset where the log moved past it (the log end for the latest epoch); (-1, -1) when
    /// it knows none. A follower truncates its own log there (<see cref="TruncateTo"/>).
    /// </summary>
    public (int LeaderEpoch, long EndOffset) EndOffsetForEpoch(int leaderEpoch) => _epochs.EndOffsetFor(leaderEpoch, LogEndOffset);

    /// <summary>The first record at or after the log start offset whose timestamp is at least <paramref name="timestamp"/>.</summary>
    public TimestampAndOffset? OffsetForTimestamp(long timestamp) => _segments.OffsetForTimestamp(timestamp, LogStartOffset);

    /// <summary>The record with the largest timestamp (the first one, when several share it): ListOffsets -3.</summary>
    public TimestampAndOffset? MaxTimestampOffset() => _segments.MaxTimestampOffset();

    /// <summary>
    /// DeleteRecords: moves the log start offset to <paramref name="offset"/> (-1 means the high
    /// watermark) and deletes the segments wholly below it. The new start is checkpointed first.
    /// </summary>
    public DeleteRecordsResult DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_segments.IsClosed, this);
            DeleteRecordsResult result = _retention.DeleteRecordsBefore(offset, HighWatermark, Config);
            AfterLogStartMoved();
            return result;
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
            if (_segments.IsClosed)
            {
                return 0;
            }

            int deleted = _retention.Apply(nowMs, HighWatermark, Config);
            AfterLogStartMoved();
            return deleted;
        }
    }

    /// <summary>The producers whose state the partition holds (DescribeProducers), by producer id.</summary>
    public IReadOnlyList<ActiveProducer> ActiveProducers()
    {
        lock (_lock)
        {
            return [.. _producers.Entries
                .OrderBy(e => e.ProducerId)
                .Select(e => new ActiveProducer(e.ProducerId, e.ProducerEpoch, e.LastSequence, e.LastTimestamp, e.CoordinatorEpoch, e.CurrentTxnFirstOffset))];
        }
    }

    /// <summary>Forgets idempotent producers idle for <paramref name="producerIdExpirationMs"/> (producer.id.expiration.ms), except those in a transaction.</summary>
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
    public void Flush() => _flusher.FlushUpTo(LogEndOffset, _currentLogEndOffset);

    /// <summary>Flushes when flush.ms has passed since the last flush and something is pending (the log manager's timer calls it).</summary>
    public void FlushIfDue(long nowMs)
    {
        if (_flusher.IsDue(nowMs, LogEndOffset, Config))
        {
            Flush();
        }
    }

    /// <summary>Flushes, writes the producer snapshot and the log start offset, and leaves the clean-shutdown marker so the next open skips recovery.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_segments.IsClosed)
            {
                return;
            }

            try
            {
                if (!_offline)
                {
                    LogSegment active = _segments.Active;
                    active.OnBecomeInactive();
                    Flush();
                    active.Flush();
                    _producers.TakeSnapshot(_fileSystem, Directory, LogEndOffset);
                    _epochs.Flush();
                    _retention.Checkpoint();
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
            CloseSegments();
            _fileSystem.DeleteDirectory(Directory);
        }
    }

    public void Dispose() => Close();

    /// <summary>What each active producer's state rests on in the log: the cleaner keeps those batches, even emptied.</summary>
    internal Dictionary<long, LastRecord> LastRecordsOfActiveProducers()
    {
        lock (_lock)
        {
            return _producers.Entries.ToDictionary(e => e.ProducerId, e => new LastRecord(e.LastOffset, e.ProducerEpoch));
        }
    }

    /// <summary>
    /// Replaces the consecutive rolled segments <paramref name="replaced"/> by the one <paramref name="swapIn"/>
    /// opens after renaming files, with readers held off, so no fetch sees a half-swapped log.
    /// False (and nothing done) when the log changed meanwhile: retention, DeleteRecords or a
    /// truncation removed one of them, or the log was closed. An I/O error in the swap takes the log offline.
    /// </summary>
    internal bool ReplaceSegments(IReadOnlyList<LogSegment> replaced, Func<LogSegment> swapIn)
    {
        lock (_lock)
        {
            if (_offline)
            {
                return false;
            }

            try
            {
                return _segments.Replace(replaced, swapIn);
            }
            catch (IOException)
            {
                _offline = true;
                throw;
            }
        }
    }

    /// <summary>
    /// Writes an analysed append at the log end (rolling first when due), with offsets, leader
    /// epoch and LogAppendTime assigned in place. False when the write failed: the log is then offline.
    /// </summary>
    private bool TryWrite(Memory<byte> records, in LogAppendInfo info, int leaderEpoch, long logAppendTime, long nowMs, LogConfig config, out long firstOffset, out LogSegment? segment)
    {
        firstOffset = _logEndOffset;
        segment = null;
        long lastOffset = firstOffset + info.OffsetCount - 1;
        try
        {
            segment = _segments.Active;
            if (segment.ShouldRoll(records.Length, logAppendTime >= 0 ? nowMs : info.MaxTimestamp, lastOffset, nowMs, config))
            {
                segment = Roll(nowMs);
            }

            AssignInPlace(records.Span, in info, firstOffset, leaderEpoch, logAppendTime);
            segment.Append(records.Span, in info, firstOffset, logAppendTime, config.IndexIntervalBytes, nowMs);
            return true;
        }
        catch (IOException)
        {
            // As Kafka takes a log dir offline on an I/O error: nothing more is written to this log.
            _offline = true;
            return false;
        }
    }

    /// <summary>What follows a written append: the epoch cache, the log end, the last stable offset and flush.messages.</summary>
    private LogAppendResult Appended(long firstOffset, long lastOffset, int leaderEpoch, long logAppendTime, long logStartOffset, LogConfig config)
    {
        _epochs.Assign(leaderEpoch, firstOffset);
        Volatile.Write(ref _logEndOffset, lastOffset + 1);
        AdvanceLastStableOffset();
        if (lastOffset + 1 - RecoveryPoint >= config.FlushMessages)
        {
            Flush();
        }

        return new LogAppendResult(ErrorCode.None, firstOffset, lastOffset, logAppendTime, logStartOffset);
    }

    private string RefusalMessage(ErrorCode error, BatchInfo refused) => error switch
    {
        ErrorCode.InvalidProducerEpoch => $"Producer {refused.ProducerId} epoch {refused.ProducerEpoch} is older than the current epoch of {TopicPartition}.",
        ErrorCode.InvalidTxnState => $"Producer {refused.ProducerId} wrote a non-transactional batch while its transaction is ongoing on {TopicPartition}.",
        ErrorCode.InvalidRecord => $"Transaction markers are written by the transaction coordinator only, not appended with data, on {TopicPartition}.",
        _ => $"Out of order sequence {refused.BaseSequence} from producer {refused.ProducerId} (epoch {refused.ProducerEpoch}) on {TopicPartition}.",
    };

    /// <summary>min(high watermark, first unstable offset), Kafka's definition of the last stable offset.</summary>
    private long ComputeLastStableOffset()
    {
        long firstUnstable = _producers.FirstUnstableOffset;
        long highWatermark = HighWatermark;
        return firstUnstable < 0 ? highWatermark : Math.Min(highWatermark, firstUnstable);
    }

    /// <summary>Moves the last stable offset forward to what the high watermark and the open transactions allow, never back.</summary>
    private void AdvanceLastStableOffset()
    {
        long computed = ComputeLastStableOffset();
        if (computed > _lastStableOffset)
        {
            Volatile.Write(ref _lastStableOffset, computed);
        }
    }

    /// <summary>Writes the offsets, leader epoch and (LogAppendTime) timestamp into each batch where it lies in the request buffer.</summary>
    private static void AssignInPlace(Span<byte> records, in LogAppendInfo info, long firstOffset, int leaderEpoch, long logAppendTime)
    {
        for (int i = 0; i < info.BatchCount; i++)
        {
            BatchInfo batch = info[i];
            Span<byte> bytes = records.Slice(batch.Position, batch.Size);
            // Neither field is covered by the CRC, so the client's CRC stays valid.
            RecordBatch.SetBaseOffset(bytes, firstOffset + batch.RelativeOffset);
            RecordBatch.SetPartitionLeaderEpoch(bytes, leaderEpoch);
            if (logAppendTime >= 0)
            {
                RecordBatch.SetMaxTimestamp(bytes, TimestampType.LogAppendTime, logAppendTime);
            }
        }
    }

    /// <summary>
    /// Starts a new active segment at the log end offset. The old one is fsynced first (Kafka does it
    /// in the background), which is what lets recovery check only the active segment.
    /// </summary>
    private LogSegment Roll(long nowMs)
    {
        LogSegment active = _segments.Active;
        long newBaseOffset = _logEndOffset;
        if (active.BaseOffset == newBaseOffset)
        {
            return active;
        }

        active.OnBecomeInactive();
        _flusher.FlushUpTo(newBaseOffset, _currentLogEndOffset);
        active.Flush();
        LogSegment segment = _segments.Roll(newBaseOffset, Config, nowMs);
        _producers.TakeSnapshot(_fileSystem, Directory, newBaseOffset);
        // After a crash only the active segment's epochs are read again: the rolled ones' must be on disk.
        _epochs.Flush();
        return segment;
    }

    /// <summary>
    /// The log start offset may have moved (retention, DeleteRecords): the epoch cache starts there
    /// too, and a high watermark it passed (DeleteRecords of everything) follows it.
    /// </summary>
    private void AfterLogStartMoved()
    {
        long logStartOffset = LogStartOffset;
        _epochs.TruncateFromStart(logStartOffset);
        if (HighWatermark < logStartOffset)
        {
            Volatile.Write(ref _highWatermark, logStartOffset);
            _producers.OnHighWatermarkUpdated(logStartOffset);
            AdvanceLastStableOffset();
        }
    }

    /// <summary>Closes the segment files without what <see cref="Close"/> writes (checkpoints, snapshot, clean-shutdown marker).</summary>
    private void CloseSegments() => _segments.Dispose();

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
