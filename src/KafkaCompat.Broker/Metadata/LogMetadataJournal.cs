using KafkaCompat.Protocol;
using KafkaCompat.Raft;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The metadata log of a single voter: KRaft's <c>__cluster_metadata-0</c> partition, one record
/// batch per metadata change (null keys, framed records as values), and its snapshots beside the
/// segments. Appends are queued in epoch order and written by one thread, which fsyncs each group
/// of batches before it reports them committed, as KRaft requires of a committed record with one
/// voter. A write that fails moves the journal to the next epoch, so nothing queued behind it at
/// the old epoch is written either; an I/O error takes the log offline (Kafka halts on a failed
/// metadata log dir) and every later append fails.
/// </summary>
public sealed class LogMetadataJournal : IMetadataJournal, IDisposable
{
    public static readonly TopicPartition Partition = new("__cluster_metadata", 0);

    private const int LoadReadBytes = 1 << 20;
    private const int MaxDecompressedBytes = 64 << 20;

    private readonly IFileSystem _fileSystem;
    private readonly MetadataLogConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PartitionLog _log;
    private readonly List<IMetadataListener> _listeners = [];
    private readonly object _lock = new();
    private readonly Queue<PendingAppend> _pending = new();
    private readonly SortedDictionary<OffsetAndEpoch, SnapshotFile> _snapshots = [];
    private Thread? _writer;
    private int _epoch;
    private long _nextOffset;
    private Exception? _offline;
    private bool _closing;

    public LogMetadataJournal(LogManager logs, IFileSystem fileSystem, MetadataLogConfig config, TimeProvider time, ILogger logger)
    {
        _fileSystem = fileSystem;
        _config = config;
        _time = time;
        _logger = logger;
        var logConfig = config.ToLogConfig();
        _log = logs.GetLog(Partition) ?? logs.GetOrCreateLog(Partition, logConfig);
        // Found on disk at start-up, the log was opened with the broker's defaults, whose retention would delete records no snapshot holds.
        _log.UpdateConfig(logConfig);
    }

    public int Epoch
    {
        get
        {
            lock (_lock)
            {
                return _epoch;
            }
        }
    }

    /// <summary>The snapshots kept, oldest first.</summary>
    public IReadOnlyList<OffsetAndEpoch> Snapshots
    {
        get
        {
            lock (_snapshots)
            {
                return [.. _snapshots.Keys];
            }
        }
    }

    public long LogStartOffset => _log.LogStartOffset;

    public long LogEndOffset => _log.LogEndOffset;

    public void Register(IMetadataListener listener) => _listeners.Add(listener);

    public void Start()
    {
        var from = LoadLatestSnapshot();
        // Everything on disk was appended by an earlier leader of this single-voter quorum: committed.
        _log.UpdateHighWatermark(_log.LogEndOffset);
        var lastEpoch = ReplayLog(from);
        lock (_lock)
        {
            // Each start is a new election of the one voter, as with Kafka, so the epoch only grows.
            _epoch = Math.Max(lastEpoch, Math.Max(_log.LatestLeaderEpoch, 0)) + 1;
            _nextOffset = _log.LogEndOffset;
        }
        Notify(l => l.HandleLeaderChange(_epoch, null));
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "metadata-log-writer" };
        _writer.Start();
        CleanSnapshots();
    }

    public long Append(int epoch, IReadOnlyList<IKafkaMessage> records)
    {
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        byte[] batch;
        using (var builder = new RecordBatchBuilder())
        {
            foreach (var record in records)
            {
                builder.Append(now, (byte[]?)null, MetadataRecordSerde.Serialize(record));
            }
            batch = builder.ToArray();
        }
        if (batch.Length > MetadataLogConfig.MaxBatchSizeBytes)
        {
            throw new MetadataJournalException(ErrorCode.PolicyViolation, "Unable to perform excessively large batch operation.");
        }
        lock (_lock)
        {
            if (_offline is { } offline)
            {
                throw new MetadataJournalException(ErrorCode.KafkaStorageError, $"The metadata log is offline: {offline.Message}", offline);
            }
            if (_closing || _writer is null)
            {
                throw new MetadataJournalException(ErrorCode.RequestTimedOut, "The controller is shutting down.");
            }
            if (epoch != _epoch)
            {
                throw new MetadataJournalException(ErrorCode.NotController, $"The append was built at epoch {epoch}; the metadata log is at epoch {_epoch}.");
            }
            var baseOffset = _nextOffset;
            _nextOffset += records.Count;
            _pending.Enqueue(new PendingAppend(baseOffset, epoch, now, batch, records));
            Monitor.PulseAll(_lock);
            return baseOffset + records.Count - 1;
        }
    }

    public void CreateSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp, IEnumerable<IKafkaMessage> records)
    {
        lock (_snapshots)
        {
            if (_snapshots.Count > 0 && _snapshots.Keys.Last().CompareTo(snapshotId) >= 0)
            {
                return;
            }
            if (snapshotId.Offset > _log.HighWatermark)
            {
                throw new InvalidOperationException($"Snapshot {snapshotId} is beyond the committed offset {_log.HighWatermark}.");
            }
            var size = MetadataSnapshotFile.Write(_fileSystem, _log.Directory, snapshotId, lastContainedLogTimestamp, Now(), records);
            _snapshots[snapshotId] = new SnapshotFile(lastContainedLogTimestamp, size);
            _logger.LogInformation("Wrote metadata snapshot {Snapshot} ({Bytes} bytes)", MetadataSnapshotFile.FileName(snapshotId), size);
        }
        CleanSnapshots();
    }

    /// <summary>Writes what is queued, then stops the writer; later appends fail as the controller shutting down.</summary>
    public void Dispose()
    {
        Thread? writer;
        lock (_lock)
        {
            _closing = true;
            writer = _writer;
            Monitor.PulseAll(_lock);
        }
        writer?.Join();
    }

    /// <summary>
    /// Loads the latest snapshot that reads back whole and lies within the log, for the listeners;
    /// returns the offset the log is replayed from. Partial and deleted snapshot files are removed.
    /// </summary>
    private long LoadLatestSnapshot()
    {
        foreach (var path in _fileSystem.ListFiles(_log.Directory))
        {
            if (KafkaCompat.Raft.Snapshots.TryParse(path, out var leftover) && (leftover.Partial || leftover.Deleted))
            {
                _fileSystem.DeleteFile(path);
            }
        }
        var ids = _fileSystem.ListFiles(_log.Directory)
            .Select(path => MetadataSnapshotFile.TryParse(path, out var id) ? (Path: path, Id: id) : default)
            .Where(s => s.Path is not null)
            .OrderByDescending(s => s.Id)
            .ToList();
        var loaded = false;
        var from = _log.LogStartOffset;
        foreach (var (path, id) in ids)
        {
            if (id.Offset < _log.LogStartOffset || id.Offset > _log.LogEndOffset)
            {
                _logger.LogWarning("Ignoring metadata snapshot {Snapshot}: it lies outside the metadata log [{Start}, {End}]", path, _log.LogStartOffset, _log.LogEndOffset);
                continue;
            }
            var snapshot = MetadataSnapshotFile.TryRead(_fileSystem, path, out var problem);
            if (snapshot is null)
            {
                _logger.LogWarning("Ignoring metadata snapshot {Snapshot}: {Problem}", path, problem);
                continue;
            }
            _snapshots[id] = new SnapshotFile(snapshot.LastContainedLogTimestamp, snapshot.SizeInBytes);
            if (!loaded)
            {
                Notify(l => l.HandleLoadSnapshot(id, snapshot.LastContainedLogTimestamp, snapshot.Records));
                from = id.Offset;
                loaded = true;
            }
        }
        if (!loaded && _log.LogStartOffset > 0)
        {
            throw new InvalidOperationException(
                $"The metadata log starts at offset {_log.LogStartOffset} but no valid snapshot holds the records before it; refusing to start with partial metadata.");
        }
        return from;
    }

    /// <summary>Replays the committed log from <paramref name="from"/> to the listeners; returns the epoch of its last batch.</summary>
    private int ReplayLog(long from)
    {
        var offset = from;
        var lastEpoch = 0;
        while (offset < _log.LogEndOffset)
        {
            using var read = _log.Read(offset, LoadReadBytes, _log.LogEndOffset, minOneBatch: true);
            if (read.Error != ErrorCode.None || read.Records.IsEmpty)
            {
                throw new InvalidOperationException($"metadata log unreadable at offset {offset}: {read.Error}");
            }
            foreach (var batch in new RecordBatchSet(read.Records))
            {
                lastEpoch = Math.Max(lastEpoch, batch.PartitionLeaderEpoch);
                if (!batch.IsControl && batch.LastOffset >= offset)
                {
                    var records = new List<IKafkaMessage>();
                    using (var reader = batch.OpenRecords(MaxDecompressedBytes))
                    {
                        foreach (var record in reader)
                        {
                            if (record.Offset >= offset && record.Value is { } value)
                            {
                                records.Add(MetadataRecordSerde.Deserialize(value));
                            }
                        }
                    }
                    var committed = new MetadataBatch(Math.Max(batch.BaseOffset, offset), batch.PartitionLeaderEpoch, batch.MaxTimestamp, batch.SizeInBytes, records);
                    Notify(l => l.HandleCommit(committed));
                }
                offset = batch.NextOffset;
            }
        }
        return lastEpoch;
    }

    private void WriteLoop()
    {
        while (true)
        {
            List<PendingAppend> group;
            lock (_lock)
            {
                while (_pending.Count == 0 && !_closing)
                {
                    Monitor.Wait(_lock);
                }
                if (_pending.Count == 0)
                {
                    return;
                }
                // Everything queued is written and fsync'd together: one flush commits a group of changes.
                group = [.. _pending];
                _pending.Clear();
            }
            WriteGroup(group);
        }
    }

    private void WriteGroup(List<PendingAppend> group)
    {
        var written = new List<PendingAppend>();
        Exception? failure = null;
        var offline = false;
        foreach (var append in group)
        {
            if (append.Epoch != Epoch)
            {
                // Queued before a failure moved the epoch on: built on state that was never committed.
                continue;
            }
            try
            {
                var result = _log.Append(append.Batch, append.Epoch);
                if (result.Error != ErrorCode.None)
                {
                    failure = new MetadataJournalException(result.Error, $"The metadata log refused the batch at offset {append.BaseOffset}: {result.ErrorMessage}");
                    // A storage error fails the log for good; anything else refused this batch alone.
                    offline = result.Error == ErrorCode.KafkaStorageError;
                    break;
                }
                written.Add(append);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                failure = new MetadataJournalException(ErrorCode.KafkaStorageError, $"Writing the metadata log failed: {e.Message}", e);
                offline = true;
                break;
            }
        }
        if (written.Count > 0)
        {
            try
            {
                _log.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // The batches are in the log but not known durable: none of them is committed.
                failure = new MetadataJournalException(ErrorCode.KafkaStorageError, $"Flushing the metadata log failed: {e.Message}", e);
                offline = true;
                written.Clear();
            }
        }
        if (written.Count > 0)
        {
            _log.UpdateHighWatermark(_log.LogEndOffset);
            foreach (var append in written)
            {
                var batch = new MetadataBatch(append.BaseOffset, append.Epoch, append.Timestamp, append.Batch.Length, append.Records);
                Notify(l => l.HandleCommit(batch));
            }
        }
        if (failure is not null)
        {
            int epoch;
            lock (_lock)
            {
                if (offline)
                {
                    _offline = failure;
                }
                _epoch++;
                _nextOffset = _log.LogEndOffset;
                epoch = _epoch;
            }
            _logger.LogError(failure, offline ? "The metadata log is offline" : "A metadata log append failed");
            Notify(l => l.HandleLeaderChange(epoch, failure));
        }
    }

    /// <summary>
    /// Kafka's metadata log retention: while the oldest of two consecutive snapshots is past
    /// metadata.max.retention.ms, or the log and snapshots together exceed
    /// metadata.max.retention.bytes, the log before the newer snapshot and every snapshot before it
    /// are deleted. The latest snapshot and the log after it always stay.
    /// </summary>
    private void CleanSnapshots()
    {
        lock (_snapshots)
        {
            var now = Now();
            while (_snapshots.Count > 1)
            {
                var (oldest, next) = (_snapshots.First(), _snapshots.Keys.Skip(1).First());
                var totalBytes = _log.Size + _snapshots.Values.Sum(s => s.SizeInBytes);
                var expired = _config.RetentionMs >= 0 && now - oldest.Value.LastContainedLogTimestamp > _config.RetentionMs;
                var tooLarge = _config.RetentionBytes >= 0 && totalBytes > _config.RetentionBytes;
                if (!expired && !tooLarge)
                {
                    return;
                }
                var deleted = _log.DeleteRecordsBefore(next.Offset);
                if (deleted.Error != ErrorCode.None)
                {
                    _logger.LogWarning("Could not move the metadata log start to {Offset}: {Error}", next.Offset, deleted.Error);
                    return;
                }
                _snapshots.Remove(oldest.Key);
                // Renamed first, as Kafka does, so a crash between the two steps leaves a file start-up removes.
                KafkaCompat.Raft.Snapshots.MarkForDelete(_fileSystem, _log.Directory, oldest.Key);
                KafkaCompat.Raft.Snapshots.DeleteIfExists(_fileSystem, _log.Directory, oldest.Key);
                _logger.LogInformation("Deleted metadata snapshot {Snapshot}; the metadata log now starts at {Offset}", MetadataSnapshotFile.FileName(oldest.Key), _log.LogStartOffset);
            }
        }
    }

    private void Notify(Action<IMetadataListener> call)
    {
        foreach (var listener in _listeners)
        {
            call(listener);
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed record PendingAppend(long BaseOffset, int Epoch, long Timestamp, byte[] Batch, IReadOnlyList<IKafkaMessage> Records);

    private sealed record SnapshotFile(long LastContainedLogTimestamp, long SizeInBytes);
}
