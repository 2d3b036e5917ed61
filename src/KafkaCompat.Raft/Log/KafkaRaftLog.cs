using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Raft;

/// <summary>
/// The Raft log on disk (Kafka's KafkaRaftLog, formerly KafkaMetadataLog): <c>__cluster_metadata-0</c>
/// as a Storage <see cref="PartitionLog"/>, whose leader epoch cache answers where each epoch ends,
/// and its snapshot files beside the segments (KIP-630). The high watermark is not persisted: it
/// starts at the log start offset and is learned again from the quorum, as in Kafka.
/// </summary>
/// <remarks>
/// Only the Raft client's thread calls it, except the snapshot set: a snapshot writer may be frozen
/// (and <see cref="OnSnapshotFrozen"/> called) on another thread, so the snapshot ids are kept under
/// their own lock. Malformed input throws <see cref="ArgumentException"/>; a failed disk write
/// throws <see cref="IOException"/> and leaves the partition log offline, as Kafka fails the
/// metadata log directory.
/// </remarks>
public sealed class KafkaRaftLog : IRaftLog
{
    public static readonly TopicPartition Partition = new("__cluster_metadata", 0);

    private readonly PartitionLog _log;
    private readonly bool _ownsLog;
    private readonly IFileSystem _fileSystem;
    private readonly RaftLogConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _snapshotLock = new();
    private readonly SortedDictionary<OffsetAndEpoch, SnapshotFacts> _snapshots = [];
    private EpochStart? _initializedLeaderEpoch;
    private bool _disposed;

    /// <summary>
    /// Takes over an open metadata partition log (from the log manager, which keeps closing it).
    /// Snapshot files are recovered (partial and deleted ones, and those before the log start,
    /// removed), and a snapshot past the log end makes the log start again there, as after a
    /// follower crashed between fetching a snapshot and truncating its log.
    /// </summary>
    /// <exception cref="InvalidOperationException">The log starts after offset 0 and no snapshot reaches its start.</exception>
    public KafkaRaftLog(PartitionLog log, IFileSystem fileSystem, RaftLogConfig config, TimeProvider time, ILogger? logger = null)
        : this(log, ownsLog: false, fileSystem, config, time, logger)
    {
    }

    private KafkaRaftLog(PartitionLog log, bool ownsLog, IFileSystem fileSystem, RaftLogConfig config, TimeProvider time, ILogger? logger)
    {
        _log = log;
        _ownsLog = ownsLog;
        _fileSystem = fileSystem;
        _config = config;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        // A log found at start-up was opened with the broker's defaults, whose retention would delete records no snapshot holds.
        _log.UpdateConfig(config.ToLogConfig());
        RecoverSnapshots();
        _log.UpdateHighWatermark(_log.LogStartOffset);
        TruncateToLatestSnapshot();
    }

    /// <summary>Opens (or creates) <c>__cluster_metadata-0</c> under <paramref name="logDir"/> (recovering a torn tail); disposing closes it.</summary>
    public static KafkaRaftLog Open(IFileSystem fileSystem, string logDir, RaftLogConfig config, TimeProvider time, ILogger? logger = null)
    {
        var log = PartitionLog.Open(fileSystem, logDir, Partition, config.ToLogConfig(), time);
        try
        {
            return new KafkaRaftLog(log, ownsLog: true, fileSystem, config, time, logger);
        }
        catch
        {
            log.Close();
            throw;
        }
    }

    public string Directory => _log.Directory;

    public long StartOffset => _log.LogStartOffset;

    public long EndOffset => _log.LogEndOffset;

    public long HighWatermark => _log.HighWatermark;

    public long LastFlushedOffset => _log.RecoveryPoint;

    /// <exception cref="InvalidOperationException">The log holds records of no epoch and does not end where the latest snapshot does.</exception>
    public int LastFetchedEpoch
    {
        get
        {
            var latest = _initializedLeaderEpoch?.Epoch ?? _log.LatestLeaderEpoch;
            if (latest >= 0)
            {
                return latest;
            }
            if (LatestSnapshotId is not { } snapshot)
            {
                return 0;
            }
            if (snapshot.Offset == StartOffset && snapshot.Offset == EndOffset)
            {
                return snapshot.Epoch;
            }
            throw new InvalidOperationException(
                $"The log has no last fetched epoch but snapshot {snapshot} exists; its end offset should match the log's start {StartOffset} and end {EndOffset}.");
        }
    }

    public OffsetAndEpoch? LatestSnapshotId
    {
        get
        {
            lock (_snapshotLock)
            {
                return _snapshots.Count == 0 ? null : _snapshots.Keys.Last();
            }
        }
    }

    public OffsetAndEpoch? EarliestSnapshotId
    {
        get
        {
            lock (_snapshotLock)
            {
                return _snapshots.Count == 0 ? null : _snapshots.Keys.First();
            }
        }
    }

    /// <summary>The snapshots kept, oldest first.</summary>
    public IReadOnlyList<OffsetAndEpoch> SnapshotIds
    {
        get
        {
            lock (_snapshotLock)
            {
                return [.. _snapshots.Keys];
            }
        }
    }

    public RaftLogAppend AppendAsLeader(Memory<byte> records, int epoch)
    {
        ValidBatches(records);
        var result = _log.Append(records, epoch);
        ThrowIfFailed(result);
        // The epoch cache now holds the epoch from its first record, where it was initialized.
        _initializedLeaderEpoch = null;
        return new RaftLogAppend(result.FirstOffset, result.LastOffset);
    }

    /// <remarks>
    /// Batches of an epoch newer than <paramref name="epoch"/> (the follower's own) and all after
    /// them are not appended, as Kafka's follower append stops there; each run of batches of one
    /// epoch is appended as the storage engine appends, and its leader epoch cache learns the epochs.
    /// </remarks>
    /// <exception cref="ArgumentException">Also when the batches' epochs go back, or no batch is of an epoch up to <paramref name="epoch"/>.</exception>
    public RaftLogAppend AppendAsFollower(Memory<byte> records, int epoch)
    {
        var expectedOffset = EndOffset;
        var previousEpoch = _log.LatestLeaderEpoch >= 0 ? _log.LatestLeaderEpoch : LatestSnapshotId?.Epoch ?? 0;
        var accepted = 0;
        var runs = new List<(int Start, int Length, int Epoch)>();
        foreach (var batch in ValidBatches(records))
        {
            if (batch.PartitionLeaderEpoch > epoch)
            {
                break;
            }
            if (batch.BaseOffset != expectedOffset)
            {
                throw new ArgumentException($"The batch at offset {batch.BaseOffset} does not follow on from offset {expectedOffset} of the log.", nameof(records));
            }
            if (batch.PartitionLeaderEpoch < previousEpoch)
            {
                throw new ArgumentException($"The batch at offset {batch.BaseOffset} has epoch {batch.PartitionLeaderEpoch}, older than {previousEpoch} before it.", nameof(records));
            }
            if (runs.Count > 0 && runs[^1].Epoch == batch.PartitionLeaderEpoch)
            {
                runs[^1] = runs[^1] with { Length = runs[^1].Length + batch.SizeInBytes };
            }
            else
            {
                runs.Add((accepted, batch.SizeInBytes, batch.PartitionLeaderEpoch));
            }
            accepted += batch.SizeInBytes;
            expectedOffset = batch.NextOffset;
            previousEpoch = batch.PartitionLeaderEpoch;
        }
        if (runs.Count == 0)
        {
            throw new ArgumentException($"No batch is of an epoch up to {epoch}: nothing to append.", nameof(records));
        }
        var firstOffset = EndOffset;
        // An epoch this replica began leading at the log end is another leader's history now (Kafka's cache drops entries the append overtakes).
        _initializedLeaderEpoch = null;
        foreach (var (start, length, runEpoch) in runs)
        {
            // Contiguous from the log end, so the offsets the storage engine gives are the ones the batches carry.
            ThrowIfFailed(_log.Append(records.Slice(start, length), runEpoch));
        }
        return new RaftLogAppend(firstOffset, expectedOffset - 1);
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startOffset"/> is before the log start or after the log end.</exception>
    public RaftLogRead Read(long startOffset, RaftIsolation isolation, int maxBytes)
    {
        var limit = isolation == RaftIsolation.Committed ? HighWatermark : EndOffset;
        var read = _log.Read(startOffset, maxBytes, limit, minOneBatch: true);
        if (read.Error != ErrorCode.None)
        {
            read.Dispose();
            throw new ArgumentOutOfRangeException(nameof(startOffset), startOffset, $"The log holds offsets {read.LogStartOffset} to {read.LogEndOffset}.");
        }
        return new RaftLogRead(read.Records, startOffset, read);
    }

    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
    {
        var (foundEpoch, endOffset) = _initializedLeaderEpoch is { } initialized && epoch < initialized.Epoch
            ? EndOffsetBeforeInitializedEpoch(epoch, initialized)
            : _log.EndOffsetForEpoch(epoch);
        if (endOffset < 0 || (_initializedLeaderEpoch is { } latest && epoch >= latest.Epoch))
        {
            return new OffsetAndEpoch(EndOffset, LastFetchedEpoch);
        }
        if (EarliestSnapshotId is { } earliest && endOffset == earliest.Offset && foundEpoch == epoch)
        {
            // An epoch older than any the log holds: the follower's history must end at the snapshot the log starts with.
            return earliest;
        }
        return new OffsetAndEpoch(endOffset, foundEpoch);
    }

    /// <remarks>
    /// Kept beside the partition log's epoch cache until the first append of the epoch writes it
    /// there: the cache learns epochs from appended batches only, and an epoch begun at the log end
    /// must give way to the batches of another leader if this replica follows before it appends.
    /// Not persisted: a restarted replica never leads that epoch again.
    /// </remarks>
    public void InitializeLeaderEpoch(int epoch)
    {
        if (epoch > (_initializedLeaderEpoch?.Epoch ?? _log.LatestLeaderEpoch))
        {
            _initializedLeaderEpoch = new EpochStart(epoch, EndOffset);
        }
    }

    public void UpdateHighWatermark(long offset) => _log.MaybeIncrementHighWatermark(offset);

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is below the high watermark.</exception>
    public void TruncateTo(long offset)
    {
        if (offset < HighWatermark)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Cannot truncate below the high watermark {HighWatermark}.");
        }
        if (offset < EndOffset)
        {
            _initializedLeaderEpoch = null;
        }
        _log.TruncateTo(offset);
    }

    public bool TruncateToLatestSnapshot()
    {
        var latestEpoch = Math.Max(_log.LatestLeaderEpoch, 0);
        List<OffsetAndEpoch> forgotten;
        OffsetAndEpoch snapshotId;
        lock (_snapshotLock)
        {
            if (_snapshots.Count == 0)
            {
                return false;
            }
            snapshotId = _snapshots.Keys.Last();
            if (snapshotId.Epoch < latestEpoch || (snapshotId.Epoch == latestEpoch && snapshotId.Offset <= EndOffset))
            {
                return false;
            }
            _log.TruncateFullyAndStartAt(snapshotId.Offset);
            _initializedLeaderEpoch = null;
            forgotten = ForgetSnapshotsBefore(snapshotId);
        }
        _logger.LogInformation("Truncated the metadata log fully to start at snapshot {Snapshot}", snapshotId);
        RemoveSnapshots(forgotten, "the log was fully truncated");
        return true;
    }

    public void Flush() => _log.Flush();

    public bool DeleteBeforeSnapshot(OffsetAndEpoch snapshotId)
    {
        List<OffsetAndEpoch>? forgotten;
        lock (_snapshotLock)
        {
            forgotten = DeleteBeforeSnapshotLocked(snapshotId);
        }
        if (forgotten is null)
        {
            return false;
        }
        RemoveSnapshots(forgotten, "the log start moved past it");
        return true;
    }

    /// <summary>
    /// Kafka's metadata log retention: while the log and the snapshots together exceed
    /// metadata.max.retention.bytes, then while the oldest snapshot's last contained record is
    /// older than metadata.max.retention.ms, the oldest snapshot goes and the log starts at the
    /// next one. The latest snapshot always stays, and nothing moves past the high watermark.
    /// </summary>
    public bool MaybeClean()
    {
        var forgotten = new List<OffsetAndEpoch>();
        lock (_snapshotLock)
        {
            CleanByRetentionBytes(forgotten);
            CleanByRetentionMs(forgotten);
        }
        RemoveSnapshots(forgotten, "of metadata.max.retention.bytes or metadata.max.retention.ms");
        return forgotten.Count > 0;
    }

    public IRawSnapshotWriter? CreateNewSnapshot(OffsetAndEpoch snapshotId)
    {
        if (snapshotId.Offset < StartOffset)
        {
            _logger.LogInformation("Not creating snapshot {Snapshot}: it is before the log start offset {Start}", snapshotId, StartOffset);
            return null;
        }
        if (snapshotId.Offset > HighWatermark)
        {
            throw new ArgumentException($"Cannot create snapshot {snapshotId}: it is past the high watermark {HighWatermark}.", nameof(snapshotId));
        }
        var valid = this.ValidateOffsetAndEpoch(snapshotId.Offset, snapshotId.Epoch);
        if (valid.Kind != ValidOffsetAndEpochKind.Valid)
        {
            throw new ArgumentException($"Cannot create snapshot {snapshotId}: the log answers it with {valid}.", nameof(snapshotId));
        }
        // A snapshot must end where a batch does: a follower fetching from its end offset must get a batch starting there.
        if (snapshotId.Offset < HighWatermark)
        {
            using var read = Read(snapshotId.Offset, RaftIsolation.Committed, 1);
            var baseOffset = new RecordBatchHeader(read.Records.Span).BaseOffset;
            if (baseOffset != snapshotId.Offset)
            {
                throw new ArgumentException($"Cannot create snapshot {snapshotId}: the batch holding its offset starts at {baseOffset}.", nameof(snapshotId));
            }
        }
        return CreateNewSnapshotUnchecked(snapshotId);
    }

    public IRawSnapshotWriter? CreateNewSnapshotUnchecked(OffsetAndEpoch snapshotId)
    {
        lock (_snapshotLock)
        {
            if (_snapshots.ContainsKey(snapshotId))
            {
                return null;
            }
        }
        return FileRawSnapshotWriter.Create(_fileSystem, Directory, snapshotId, OnSnapshotFrozen);
    }

    /// <summary>Opens the snapshot for reading (a new reader each call: the caller disposes it); null when the log has no such snapshot.</summary>
    public IRawSnapshotReader? ReadSnapshot(OffsetAndEpoch snapshotId)
    {
        lock (_snapshotLock)
        {
            if (!_snapshots.ContainsKey(snapshotId))
            {
                return null;
            }
            try
            {
                return FileRawSnapshotReader.Open(_fileSystem, Directory, snapshotId);
            }
            catch (FileNotFoundException)
            {
                _logger.LogWarning("Snapshot {Snapshot} is listed but its file {Path} is gone; forgetting it", snapshotId, Snapshots.PathFor(Directory, snapshotId));
                _snapshots.Remove(snapshotId);
                return null;
            }
        }
    }

    public void OnSnapshotFrozen(OffsetAndEpoch snapshotId)
    {
        lock (_snapshotLock)
        {
            _snapshots.TryAdd(snapshotId, new SnapshotFacts());
        }
    }

    /// <summary>Closes the partition log when this log opened it (<see cref="Open"/>); one taken over stays open for its owner.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_ownsLog)
        {
            _log.Close();
        }
    }

    /// <summary>
    /// Kafka's recoverSnapshots: partial and deleted snapshot files, and snapshots before the log
    /// start, are removed; the others are listed. A log starting after 0 needs a snapshot at or past its start.
    /// </summary>
    private void RecoverSnapshots()
    {
        var stale = new List<string>();
        foreach (var path in _fileSystem.ListFiles(Directory))
        {
            if (!Snapshots.TryParse(path, out var snapshot))
            {
                continue;
            }
            if (snapshot.Partial || snapshot.Deleted || snapshot.SnapshotId.Offset < _log.LogStartOffset)
            {
                stale.Add(path);
            }
            else
            {
                _snapshots[snapshot.SnapshotId] = new SnapshotFacts();
            }
        }
        if (_log.LogStartOffset > 0 && (_snapshots.Count == 0 || _snapshots.Keys.Last().Offset < _log.LogStartOffset))
        {
            throw new InvalidOperationException(
                $"Inconsistent snapshot state: the metadata log starts at {_log.LogStartOffset} but no snapshot reaches it (latest: {(_snapshots.Count == 0 ? "none" : _snapshots.Keys.Last())}).");
        }
        foreach (var path in stale)
        {
            _fileSystem.DeleteFile(path);
            _logger.LogInformation("Deleted unneeded snapshot file {Path}", path);
        }
    }

    /// <summary>Moves the log start to <paramref name="snapshotId"/> and forgets the snapshots before it; null when Kafka's conditions do not hold.</summary>
    private List<OffsetAndEpoch>? DeleteBeforeSnapshotLocked(OffsetAndEpoch snapshotId)
    {
        if (_snapshots.Count == 0
            || !_snapshots.ContainsKey(snapshotId)
            || StartOffset >= snapshotId.Offset
            || snapshotId.Offset > _snapshots.Keys.Last().Offset
            || snapshotId.Offset > HighWatermark)
        {
            return null;
        }
        var deleted = _log.DeleteRecordsBefore(snapshotId.Offset);
        if (deleted.Error != ErrorCode.None)
        {
            _logger.LogWarning("Could not move the metadata log start to {Offset}: {Error}", snapshotId.Offset, deleted.Error);
            return null;
        }
        return ForgetSnapshotsBefore(snapshotId);
    }

    private void CleanByRetentionBytes(List<OffsetAndEpoch> forgotten)
    {
        if (_config.RetentionBytes < 0)
        {
            return;
        }
        var sizes = _snapshots.Keys.ToDictionary(id => id, SnapshotSize);
        var snapshotBytes = sizes.Values.Sum(size => size ?? 0);
        CleanSnapshots(forgotten, id =>
        {
            if (sizes[id] is not { } size || _log.Size + snapshotBytes <= _config.RetentionBytes)
            {
                return false;
            }
            snapshotBytes -= size;
            return true;
        });
    }

    private void CleanByRetentionMs(List<OffsetAndEpoch> forgotten)
    {
        if (_config.RetentionMs < 0)
        {
            return;
        }
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        CleanSnapshots(forgotten, id => SnapshotTimestamp(id) is { } timestamp && now - timestamp > _config.RetentionMs);
    }

    /// <summary>From the oldest snapshot on, while <paramref name="shouldDelete"/> says so, the log starts at the next one; the latest always stays.</summary>
    private void CleanSnapshots(List<OffsetAndEpoch> forgotten, Func<OffsetAndEpoch, bool> shouldDelete)
    {
        var ids = _snapshots.Keys.ToList();
        for (var i = 0; i < ids.Count - 1 && shouldDelete(ids[i]); i++)
        {
            if (DeleteBeforeSnapshotLocked(ids[i + 1]) is not { } removed)
            {
                return;
            }
            forgotten.AddRange(removed);
        }
    }

    private List<OffsetAndEpoch> ForgetSnapshotsBefore(OffsetAndEpoch snapshotId)
    {
        var before = _snapshots.Keys.TakeWhile(id => id.CompareTo(snapshotId) < 0).ToList();
        foreach (var id in before)
        {
            _snapshots.Remove(id);
        }
        return before;
    }

    /// <summary>
    /// Renames each forgotten snapshot to its deleted name, then deletes it (Kafka waits
    /// file.delete.delay.ms first; a reader opened before keeps its open file here).
    /// </summary>
    private void RemoveSnapshots(List<OffsetAndEpoch> forgotten, string reason)
    {
        foreach (var id in forgotten)
        {
            _logger.LogInformation("Deleting snapshot {Snapshot} because {Reason}", id, reason);
            try
            {
                Snapshots.MarkForDelete(_fileSystem, Directory, id);
            }
            catch (FileNotFoundException)
            {
                // Already gone (or never written under its complete name): nothing to rename.
            }
            Snapshots.DeleteIfExists(_fileSystem, Directory, id);
        }
    }

    private long? SnapshotSize(OffsetAndEpoch id)
    {
        var facts = _snapshots[id];
        if (facts.SizeInBytes is null)
        {
            using var reader = ReadSnapshot(id);
            facts.SizeInBytes = reader?.SizeInBytes;
        }
        return facts.SizeInBytes;
    }

    private long? SnapshotTimestamp(OffsetAndEpoch id)
    {
        var facts = _snapshots[id];
        if (facts.LastContainedLogTimestamp is null)
        {
            using var reader = ReadSnapshot(id);
            facts.LastContainedLogTimestamp = reader is null ? null : RecordsSnapshotReader.LastContainedLogTimestamp(reader);
        }
        return facts.LastContainedLogTimestamp;
    }

    /// <summary>
    /// What the epoch cache would answer for an epoch older than the one initialized at the log
    /// end: where the log's own history of it ends, the initialized epoch's start being the next entry.
    /// </summary>
    private (int Epoch, long EndOffset) EndOffsetBeforeInitializedEpoch(int epoch, EpochStart initialized)
    {
        var (foundEpoch, endOffset) = _log.EndOffsetForEpoch(epoch);
        if (endOffset >= 0 || epoch < 0)
        {
            return (foundEpoch, endOffset);
        }
        // Newer than every epoch of the log (or the log has none): it ends where the initialized one starts.
        var latest = _log.LatestLeaderEpoch;
        return (latest >= 0 && latest < epoch ? latest : epoch, initialized.StartOffset);
    }

    /// <summary>Whole, valid v2 batches (framing and CRC checked), or an <see cref="ArgumentException"/>.</summary>
    private static List<RecordBatch> ValidBatches(Memory<byte> records)
    {
        if (records.IsEmpty)
        {
            throw new ArgumentException("Cannot append an empty record set.", nameof(records));
        }
        var batches = new List<RecordBatch>();
        try
        {
            var enumerator = new RecordBatchEnumerator(records);
            while (enumerator.MoveNext())
            {
                enumerator.Current.EnsureValid();
                batches.Add(enumerator.Current);
            }
            if (enumerator.HasTrailingPartialBatch)
            {
                throw new ArgumentException($"The records end with a partial batch of {enumerator.TrailingPartialBatchBytes} bytes.", nameof(records));
            }
        }
        catch (RecordsException e)
        {
            throw new ArgumentException($"The records are not valid v2 batches: {e.Message}", nameof(records), e);
        }
        return batches;
    }

    private static void ThrowIfFailed(LogAppendResult result)
    {
        if (result.Error == ErrorCode.KafkaStorageError)
        {
            throw new IOException($"The metadata log failed a write: {result.ErrorMessage}");
        }
        if (result.Error != ErrorCode.None)
        {
            throw new ArgumentException($"The metadata log refused the records ({result.Error}): {result.ErrorMessage}");
        }
    }

    private readonly record struct EpochStart(int Epoch, long StartOffset);

    /// <summary>What retention needs of a snapshot, read from its file once.</summary>
    private sealed class SnapshotFacts
    {
        public long? SizeInBytes { get; set; }

        public long? LastContainedLogTimestamp { get; set; }
    }
}
