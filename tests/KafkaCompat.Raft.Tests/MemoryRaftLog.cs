using System.Buffers;
using KafkaCompat.Records;

namespace KafkaCompat.Raft.Tests;

/// <summary>
/// The Raft log in memory (as Kafka's MockLog): whole v2 batches with their epochs, the epochs'
/// start offsets, a high watermark, snapshots, and what is flushed kept apart from what is not, so
/// that <see cref="Crash"/> loses exactly the unflushed tail a process crash would.
/// </summary>
internal sealed class MemoryRaftLog : IRaftLog
{
    private readonly List<LogBatch> _batches = [];
    private readonly List<(int Epoch, long StartOffset)> _epochs = [];
    private readonly SortedDictionary<OffsetAndEpoch, byte[]> _snapshots = [];
    private long _startOffset;
    private long _flushedOffset;
    private long _highWatermark;

    public long StartOffset => _startOffset;

    public long EndOffset => _batches.Count == 0 ? _startOffset : _batches[^1].LastOffset + 1;

    public long HighWatermark => _highWatermark;

    public long LastFlushedOffset => _flushedOffset;

    public int LastFetchedEpoch => _epochs.Count > 0 ? _epochs[^1].Epoch : LatestSnapshotId?.Epoch ?? 0;

    public OffsetAndEpoch? LatestSnapshotId => _snapshots.Count == 0 ? null : _snapshots.Keys.Last();

    public OffsetAndEpoch? EarliestSnapshotId => _snapshots.Count == 0 ? null : _snapshots.Keys.First();

    /// <summary>Every Flush call, for tests that check the leader flushes once per burst.</summary>
    public int FlushCount { get; private set; }

    public RaftLogAppend AppendAsLeader(Memory<byte> records, int epoch)
    {
        var nextOffset = EndOffset;
        var batches = Split(records);
        foreach (var (start, length) in batches)
        {
            var span = records.Span.Slice(start, length);
            RecordBatch.SetBaseOffset(span, nextOffset);
            RecordBatch.SetPartitionLeaderEpoch(span, epoch);
            RecordBatch.UpdateCrc(span);
            nextOffset = new RecordBatchHeader(span).NextOffset;
        }
        return Append(records, batches);
    }

    /// <remarks>As the file-backed log: stops before a batch of an epoch newer than the follower's own, and refuses gaps, overlaps and epochs going back.</remarks>
    public RaftLogAppend AppendAsFollower(Memory<byte> records, int epoch)
    {
        // An epoch this replica began leading at the log end, with nothing appended, is another leader's history now.
        _epochs.RemoveAll(e => e.StartOffset >= EndOffset && !_batches.Any(b => b.Epoch == e.Epoch));
        var expectedOffset = EndOffset;
        var previousEpoch = LastFetchedEpoch;
        var accepted = new List<(int Start, int Length)>();
        foreach (var (start, length) in Split(records))
        {
            var batch = new RecordBatchHeader(records.Span.Slice(start, length));
            if (batch.PartitionLeaderEpoch > epoch)
            {
                break;
            }
            if (batch.BaseOffset != expectedOffset)
            {
                throw new ArgumentException($"The batch at offset {batch.BaseOffset} does not follow on from offset {expectedOffset}.", nameof(records));
            }
            if (batch.PartitionLeaderEpoch < previousEpoch)
            {
                throw new ArgumentException($"The batch at offset {batch.BaseOffset} has epoch {batch.PartitionLeaderEpoch}, older than {previousEpoch} before it.", nameof(records));
            }
            accepted.Add((start, length));
            expectedOffset = batch.NextOffset;
            previousEpoch = batch.PartitionLeaderEpoch;
        }
        if (accepted.Count == 0)
        {
            throw new ArgumentException($"No batch is of an epoch up to {epoch}: nothing to append.", nameof(records));
        }
        return Append(records, accepted);
    }

    public RaftLogRead Read(long startOffset, RaftIsolation isolation, int maxBytes)
    {
        if (startOffset < _startOffset || startOffset > EndOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(startOffset), startOffset, $"The log holds offsets {_startOffset} to {EndOffset}.");
        }
        var limit = isolation == RaftIsolation.Committed ? _highWatermark : EndOffset;
        var output = new ArrayBufferWriter<byte>();
        foreach (var batch in _batches.Where(b => b.LastOffset >= startOffset && b.LastOffset < limit))
        {
            if (output.WrittenCount > 0 && output.WrittenCount + batch.Bytes.Length > maxBytes)
            {
                break;
            }
            output.Write(batch.Bytes);
        }
        return new RaftLogRead(output.WrittenMemory, startOffset);
    }

    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
    {
        if (_epochs.Count == 0)
        {
            return new OffsetAndEpoch(EndOffset, LastFetchedEpoch);
        }
        if (_epochs[^1].Epoch == epoch)
        {
            return new OffsetAndEpoch(EndOffset, epoch);
        }
        var higher = _epochs.FirstOrDefault(e => e.Epoch > epoch);
        if (higher == default)
        {
            return new OffsetAndEpoch(EndOffset, LastFetchedEpoch);
        }
        var floor = _epochs.LastOrDefault(e => e.Epoch <= epoch);
        var result = new OffsetAndEpoch(higher.StartOffset, floor == default ? epoch : floor.Epoch);
        if (EarliestSnapshotId is { } snapshot && result.Offset == snapshot.Offset && result.Epoch < snapshot.Epoch)
        {
            return snapshot;
        }
        return result;
    }

    public void InitializeLeaderEpoch(int epoch) => AddEpoch(epoch, EndOffset);

    public void UpdateHighWatermark(long offset) => _highWatermark = Math.Max(_highWatermark, Math.Min(offset, EndOffset));

    public void TruncateTo(long offset)
    {
        if (offset < _highWatermark)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Cannot truncate below the high watermark {_highWatermark}.");
        }
        _batches.RemoveAll(b => b.LastOffset >= offset);
        _epochs.RemoveAll(e => e.StartOffset >= EndOffset);
        _flushedOffset = Math.Min(_flushedOffset, EndOffset);
    }

    public bool TruncateToLatestSnapshot()
    {
        if (LatestSnapshotId is not { } snapshot)
        {
            return false;
        }
        var latestEpoch = _epochs.Count > 0 ? _epochs[^1].Epoch : 0;
        if (snapshot.Epoch > latestEpoch || (snapshot.Epoch == latestEpoch && snapshot.Offset > EndOffset))
        {
            _batches.Clear();
            _epochs.Clear();
            _startOffset = snapshot.Offset;
            _flushedOffset = snapshot.Offset;
            _highWatermark = Math.Max(_highWatermark, snapshot.Offset);
            RemoveSnapshotsBefore(snapshot);
            return true;
        }
        return false;
    }

    public void Flush()
    {
        FlushCount++;
        _flushedOffset = EndOffset;
    }

    public bool DeleteBeforeSnapshot(OffsetAndEpoch snapshotId)
    {
        if (!_snapshots.ContainsKey(snapshotId) || snapshotId.Offset > _highWatermark || snapshotId.Offset <= _startOffset)
        {
            return false;
        }
        _batches.RemoveAll(b => b.LastOffset < snapshotId.Offset);
        _startOffset = snapshotId.Offset;
        RemoveSnapshotsBefore(snapshotId);
        return true;
    }

    private void RemoveSnapshotsBefore(OffsetAndEpoch snapshotId)
    {
        foreach (var older in _snapshots.Keys.Where(k => k.CompareTo(snapshotId) < 0).ToList())
        {
            _snapshots.Remove(older);
        }
    }

    /// <summary>A retention of nothing: the log starts at the latest snapshot as soon as it is committed, so the tests and the simulation see replicas sent to snapshots early.</summary>
    public bool MaybeClean() => LatestSnapshotId is { } latest && DeleteBeforeSnapshot(latest);

    public IRawSnapshotWriter? CreateNewSnapshot(OffsetAndEpoch snapshotId)
    {
        if (snapshotId.Offset < _startOffset)
        {
            return null;
        }
        if (snapshotId.Offset > _highWatermark)
        {
            throw new ArgumentException($"Snapshot {snapshotId} is past the high watermark {_highWatermark}.", nameof(snapshotId));
        }
        var valid = this.ValidateOffsetAndEpoch(snapshotId.Offset, snapshotId.Epoch);
        if (valid.Kind != ValidOffsetAndEpochKind.Valid)
        {
            throw new ArgumentException($"Snapshot {snapshotId} is answered by the log with {valid}.", nameof(snapshotId));
        }
        if (_batches.FirstOrDefault(b => b.LastOffset >= snapshotId.Offset) is { } holding && holding.BaseOffset != snapshotId.Offset)
        {
            throw new ArgumentException($"Snapshot {snapshotId} ends inside the batch at offset {holding.BaseOffset}.", nameof(snapshotId));
        }
        return CreateNewSnapshotUnchecked(snapshotId);
    }

    public IRawSnapshotWriter? CreateNewSnapshotUnchecked(OffsetAndEpoch snapshotId) =>
        _snapshots.ContainsKey(snapshotId) ? null : new MemorySnapshotWriter(snapshotId, bytes => _snapshots[snapshotId] = bytes);

    public IRawSnapshotReader? ReadSnapshot(OffsetAndEpoch snapshotId) =>
        _snapshots.TryGetValue(snapshotId, out var bytes) ? new MemorySnapshotReader(snapshotId, bytes) : null;

    public void OnSnapshotFrozen(OffsetAndEpoch snapshotId)
    {
        if (!_snapshots.ContainsKey(snapshotId))
        {
            throw new InvalidOperationException($"Snapshot {snapshotId} was not frozen.");
        }
    }

    /// <summary>A process crash: what was not flushed is gone, and nothing is committed past the log that is left.</summary>
    public void Crash()
    {
        _batches.RemoveAll(b => b.LastOffset >= _flushedOffset);
        _epochs.RemoveAll(e => e.StartOffset >= EndOffset);
        _highWatermark = Math.Min(_highWatermark, EndOffset);
    }

    /// <summary>The batches of the log, for assertions.</summary>
    public IReadOnlyList<RecordBatch> Batches => [.. _batches.Select(b => new RecordBatch(b.Bytes))];

    public void Dispose()
    {
    }

    private RaftLogAppend Append(Memory<byte> records, List<(int Start, int Length)> batches)
    {
        var first = EndOffset;
        foreach (var (start, length) in batches)
        {
            var bytes = records.Slice(start, length).ToArray();
            var batch = new RecordBatch(bytes);
            AddEpoch(batch.PartitionLeaderEpoch, batch.BaseOffset);
            _batches.Add(new LogBatch(batch.BaseOffset, batch.LastOffset, batch.PartitionLeaderEpoch, bytes));
        }
        return new RaftLogAppend(first, EndOffset - 1);
    }

    private void AddEpoch(int epoch, long startOffset)
    {
        if (_epochs.Count == 0 || epoch > _epochs[^1].Epoch)
        {
            _epochs.Add((epoch, startOffset));
        }
    }

    private static List<(int Start, int Length)> Split(Memory<byte> records)
    {
        var result = new List<(int, int)>();
        var enumerator = new RecordBatchSet(records);
        var position = 0;
        try
        {
            foreach (var batch in enumerator)
            {
                batch.EnsureValid();
                result.Add((position, batch.SizeInBytes));
                position += batch.SizeInBytes;
            }
        }
        catch (RecordsException e)
        {
            throw new ArgumentException($"The records are not valid v2 batches: {e.Message}", nameof(records), e);
        }
        if (position != records.Length || result.Count == 0)
        {
            throw new ArgumentException("The records are not whole v2 batches.", nameof(records));
        }
        return result;
    }

    private sealed record LogBatch(long BaseOffset, long LastOffset, int Epoch, byte[] Bytes);
}
