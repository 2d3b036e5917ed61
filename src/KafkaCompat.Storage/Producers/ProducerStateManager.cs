using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>The verdict on an idempotent batch: append it, answer with a retained duplicate, or reject it.</summary>
internal readonly record struct ProducerCheck(ErrorCode Error, BatchMetadata? Duplicate)
{
    public static ProducerCheck Accept { get; } = new(ErrorCode.None, null);
}

/// <summary>
/// The idempotent and transactional producers of one partition (Kafka's ProducerStateManager):
/// per producer id the epoch and the last five batches' sequence ranges and offsets, with the
/// snapshots that let a log open without replaying everything; and the transactions (KIP-98):
/// those ongoing (a transactional batch was written, no marker yet) and those a marker completed
/// but the high watermark has not yet passed. The first offset of either kind is the first
/// unstable offset, below which the last stable offset stays. State changes only by the updates
/// with batches that were written, so rebuilding from the log after a restart (or a truncation)
/// runs the same code as appending. The log's append lock serializes every call.
/// </summary>
internal sealed class ProducerStateManager
{
    /// <summary>Snapshots kept besides the newest: the one before it, in case the newest is torn.</summary>
    private const int KeptSnapshots = 2;

    private readonly Dictionary<long, ProducerStateEntry> _producers = [];

    // Ordered by first offset, so the smallest is the first unstable offset.
    private readonly SortedSet<(long FirstOffset, long ProducerId)> _ongoing = [];

    // Completed transactions whose marker the high watermark has not passed: a read_committed
    // consumer must not see their data before it can see the marker (and, for an abort, the index entry).
    private readonly SortedSet<(long FirstOffset, long LastOffset, long ProducerId)> _unreplicated = [];

    public int Count => _producers.Count;

    public IEnumerable<ProducerStateEntry> Entries => _producers.Values;

    public ProducerStateEntry? Get(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>The first offset of the earliest unresolved transaction, or -1 when there is none.</summary>
    public long FirstUnstableOffset
    {
        get
        {
            long ongoing = _ongoing.Count == 0 ? long.MaxValue : _ongoing.Min.FirstOffset;
            long unreplicated = _unreplicated.Count == 0 ? long.MaxValue : _unreplicated.Min.FirstOffset;
            long first = Math.Min(ongoing, unreplicated);
            return first == long.MaxValue ? -1 : first;
        }
    }

    /// <summary>The transactions without a marker yet, by first offset.</summary>
    public IReadOnlyCollection<(long FirstOffset, long ProducerId)> OngoingTransactions => _ongoing;

    /// <summary>Kafka's sequence rules for a batch against what the partition has stored.</summary>
    public ProducerCheck Check(long producerId, short producerEpoch, int firstSequence, int lastSequence)
    {
        if (!_producers.TryGetValue(producerId, out ProducerStateEntry? entry))
        {
            // Unknown producer (new, or its state expired or was deleted with the log): Kafka accepts
            // any sequence since KIP-360 rather than answering UNKNOWN_PRODUCER_ID.
            return ProducerCheck.Accept;
        }

        if (entry.FindDuplicate(producerEpoch, firstSequence, lastSequence) is { } duplicate)
        {
            return new ProducerCheck(ErrorCode.None, duplicate);
        }

        return CheckNext(entry.ProducerEpoch, entry.LastSequence, producerEpoch, firstSequence);
    }

    /// <summary>
    /// Checks every idempotent batch of an append against the stored state, or against an earlier
    /// batch of the same producer in the same append (a request rarely has two). The first batch
    /// that fails or is a retry of a retained batch decides the outcome of the whole append;
    /// <paramref name="batchIndex"/> names it.
    /// </summary>
    public ProducerCheck CheckAppend(in LogAppendInfo info, out int batchIndex)
    {
        batchIndex = -1;
        if (!info.HasProducerBatches)
        {
            return ProducerCheck.Accept;
        }

        for (int i = 0; i < info.BatchCount; i++)
        {
            BatchInfo batch = info[i];
            if (!batch.HasProducerId)
            {
                continue;
            }

            ProducerCheck check;
            if (batch.IsControl)
            {
                // Markers are written by the coordinator's WriteTxnMarkers path only (AppendEndTxnMarker), never with data.
                check = new ProducerCheck(ErrorCode.InvalidRecord, null);
            }
            else if (EarlierInAppend(in info, i) is { } earlier)
            {
                check = CheckNext(earlier.ProducerEpoch, earlier.LastSequence, batch.ProducerEpoch, batch.BaseSequence);
                check = check.Error == ErrorCode.None && !batch.IsTransactional && (earlier.IsTransactional || InTransaction(batch.ProducerId))
                    ? new ProducerCheck(ErrorCode.InvalidTxnState, null)
                    : check;
            }
            else
            {
                check = Check(batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence, batch.LastSequence);
                check = check.Error == ErrorCode.None && check.Duplicate is null && !batch.IsTransactional && InTransaction(batch.ProducerId)
                    ? new ProducerCheck(ErrorCode.InvalidTxnState, null)
                    : check;
            }

            if (check.Error != ErrorCode.None || check.Duplicate is not null)
            {
                batchIndex = i;
                return check;
            }
        }

        return ProducerCheck.Accept;
    }

    /// <summary>
    /// A coordinator's append (<see cref="PartitionLog.AppendAsCoordinator"/>): a producer batch
    /// older than the producer's epoch is INVALID_PRODUCER_EPOCH; its sequence is not checked,
    /// since the coordinator writes every transactional batch with sequence 0. Markers never come
    /// this way.
    /// </summary>
    public ProducerCheck CheckCoordinatorAppend(in LogAppendInfo info, out int batchIndex)
    {
        batchIndex = -1;
        if (!info.HasProducerBatches)
        {
            return ProducerCheck.Accept;
        }

        for (int i = 0; i < info.BatchCount; i++)
        {
            BatchInfo batch = info[i];
            if (!batch.HasProducerId)
            {
                continue;
            }

            ErrorCode error = batch.IsControl ? ErrorCode.InvalidRecord
                : _producers.TryGetValue(batch.ProducerId, out ProducerStateEntry? entry) && batch.ProducerEpoch < entry.ProducerEpoch ? ErrorCode.InvalidProducerEpoch
                : ErrorCode.None;
            if (error != ErrorCode.None)
            {
                batchIndex = i;
                return new ProducerCheck(error, null);
            }
        }

        return ProducerCheck.Accept;
    }

    /// <summary>
    /// Records the idempotent batches of an append that was written from <paramref name="firstOffset"/>;
    /// <paramref name="logAppendTime"/> (else -1) replaces their timestamps on a LogAppendTime topic.
    /// </summary>
    public void Update(in LogAppendInfo info, long firstOffset, long logAppendTime)
    {
        if (!info.HasProducerBatches)
        {
            return;
        }

        for (int i = 0; i < info.BatchCount; i++)
        {
            BatchInfo batch = info[i];
            if (batch.IsTrackedByProducerState)
            {
                long baseOffset = firstOffset + batch.RelativeOffset;
                Update(batch.ProducerId, batch.ProducerEpoch, new BatchMetadata(
                    batch.BaseSequence, batch.LastSequence, baseOffset, baseOffset + batch.LastOffsetDelta, logAppendTime >= 0 ? logAppendTime : batch.MaxTimestamp),
                    batch.IsTransactional);
            }
        }
    }

    /// <summary>
    /// Replays a stored batch (opening or truncating the log). A transaction marker completes its
    /// transaction as the append did, and an aborted one's entry goes back into the
    /// <paramref name="segment"/>'s transaction index when a crash or a truncation lost it.
    /// </summary>
    public void Replay(ReadOnlyMemory<byte> batch, LogSegment segment)
    {
        var header = new RecordBatchHeader(batch.Span);
        if (!header.HasProducerId)
        {
            return;
        }

        if (!header.IsControl)
        {
            Update(header.ProducerId, header.ProducerEpoch, new BatchMetadata(
                header.BaseSequence, IncrementSequence(header.BaseSequence, header.LastOffsetDelta), header.BaseOffset, header.LastOffset, header.MaxTimestamp),
                header.IsTransactional);
            return;
        }

        if (header.RecordCount == 0)
        {
            // A marker the cleaner emptied ends nothing (its transaction's data is gone, as Kafka);
            // it was kept as its producer's last entry for the epoch it carries, which fences zombies.
            GetOrAdd(header.ProducerId, header.ProducerEpoch).ObserveEmptiedMarker(header.ProducerEpoch, header.MaxTimestamp);
            return;
        }

        // Another control type ends nothing (as Kafka).
        if (TryReadMarker(batch, out EndTransactionMarker marker)
            && CompleteTxn(header.ProducerId, header.ProducerEpoch, marker, header.BaseOffset, header.MaxTimestamp) is { IsAborted: true } aborted)
        {
            segment.TxnIndex.AppendIfMissing(aborted.ToAbortedTxn());
        }
    }

    /// <summary>
    /// Kafka's checks of a marker against the producer's state: an epoch older than the producer's
    /// is INVALID_PRODUCER_EPOCH, a coordinator epoch older than the last marker's is
    /// TRANSACTION_COORDINATOR_FENCED (a coordinator that lost its partition). A marker for a
    /// producer with no ongoing transaction here (or unknown) is accepted, as Kafka accepts it.
    /// With transaction version 2 the coordinator bumped the epoch before writing the marker, so
    /// the marker's epoch must be above the producer's; one equal to it with no transaction open
    /// is the same marker written again (a retry after a lost answer or a coordinator reload,
    /// KAFKA-19999) and is accepted.
    /// </summary>
    public ErrorCode CheckEndTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, short transactionVersion = 0)
    {
        if (!_producers.TryGetValue(producerId, out ProducerStateEntry? entry))
        {
            return ErrorCode.None;
        }

        bool staleEpoch = transactionVersion >= 2
            ? producerEpoch < entry.ProducerEpoch || (producerEpoch == entry.ProducerEpoch && entry.CurrentTxnFirstOffset >= 0)
            : producerEpoch < entry.ProducerEpoch;
        return staleEpoch ? ErrorCode.InvalidProducerEpoch
            : coordinatorEpoch < entry.CoordinatorEpoch ? ErrorCode.TransactionCoordinatorFenced
            : ErrorCode.None;
    }

    /// <summary>
    /// Applies a marker written at <paramref name="markerOffset"/>: the producer's ongoing transaction
    /// (if any) becomes completed but unreplicated until the high watermark passes the marker, and
    /// is returned with the last stable offset its index entry records. Null when the producer had
    /// no transaction here (Kafka writes such a marker but indexes nothing).
    /// </summary>
    public CompletedTxn? CompleteTxn(long producerId, short producerEpoch, EndTransactionMarker marker, long markerOffset, long timestamp)
    {
        ProducerStateEntry entry = GetOrAdd(producerId, producerEpoch);

        long firstOffset = entry.CurrentTxnFirstOffset;
        entry.EndTransaction(producerEpoch, marker.CoordinatorEpoch, timestamp);
        if (firstOffset < 0)
        {
            return null;
        }

        var completed = new CompletedTxn(producerId, firstOffset, markerOffset, marker.Type == ControlRecordType.Abort, LastStableOffsetAfter(producerId, markerOffset));
        _ongoing.Remove((firstOffset, producerId));
        _unreplicated.Add((firstOffset, markerOffset, producerId));
        return completed;
    }

    /// <summary>The high watermark moved to <paramref name="highWatermark"/>: completed transactions whose marker it passed are resolved.</summary>
    public void OnHighWatermarkUpdated(long highWatermark)
    {
        if (_unreplicated.Count > 0)
        {
            _unreplicated.RemoveWhere(t => t.LastOffset < highWatermark);
        }
    }

    /// <summary>
    /// The producer state of a log ending at <paramref name="logEndOffset"/>: the newest readable
    /// snapshot at or below it plus the batches after it. Snapshots beyond the end (data lost in a
    /// crash, or truncated away) and unreadable ones are deleted. Returns the snapshot's offset, or -1.
    /// </summary>
    public static (ProducerStateManager Producers, long SnapshotOffset) Load(IFileSystem fileSystem, string directory, IReadOnlyList<LogSegment> segments, long logEndOffset)
    {
        var producers = new ProducerStateManager();
        long replayFrom = segments[0].BaseOffset;
        long loadedOffset = -1;
        foreach ((long offset, string path) in ProducerSnapshotFile.List(fileSystem, directory))
        {
            if (loadedOffset < 0 && offset <= logEndOffset && ProducerSnapshotFile.TryRead(fileSystem, path, producers))
            {
                loadedOffset = offset;
                replayFrom = Math.Max(replayFrom, offset);
            }
            else if (loadedOffset < 0)
            {
                fileSystem.DeleteFile(path);
            }
        }

        foreach (LogSegment segment in segments)
        {
            if (segment.NextOffset > replayFrom)
            {
                segment.ForEachWholeBatchFrom(replayFrom, batch => producers.Replay(batch, segment));
            }
        }

        // Everything the log holds at open (or after a truncation) is below the high watermark it starts with.
        producers.OnHighWatermarkUpdated(logEndOffset);
        return (producers, loadedOffset);
    }

    /// <summary>
    /// Writes back the <c>.txnindex</c> entries of the segments up to the one at
    /// <paramref name="lastBaseOffset"/>, by replaying the log from its start into a state of its
    /// own: a cleaned segment whose swap recovery completed lost its index (Kafka rebuilds it the
    /// same way when it recovers a segment). Every aborted transaction that still has a batch, even
    /// an emptied one, before its ABORT marker gets its entry back; one whose batches the cleaner
    /// removed needs none. Entries an index already holds stay as they are.
    /// </summary>
    public static void RebuildTransactionIndexes(IReadOnlyList<LogSegment> segments, long lastBaseOffset)
    {
        var replay = new ProducerStateManager();
        foreach (LogSegment segment in segments.TakeWhile(s => s.BaseOffset <= lastBaseOffset))
        {
            segment.ForEachWholeBatchFrom(segment.BaseOffset, batch => replay.Replay(batch, segment));
            segment.TxnIndex.Flush();
        }
    }

    /// <summary>Writes the state as of <paramref name="offset"/> (at a roll and at close) and deletes the older snapshots beyond the kept ones.</summary>
    public void TakeSnapshot(IFileSystem fileSystem, string directory, long offset)
    {
        ProducerSnapshotFile.Write(fileSystem, directory, offset, this);
        foreach ((_, string path) in ProducerSnapshotFile.List(fileSystem, directory).Skip(KeptSnapshots))
        {
            fileSystem.DeleteFile(path);
        }
    }

    /// <summary>Rules for a batch following a known (epoch, last sequence): the stored state or an earlier batch of the same append.</summary>
    public static ProducerCheck CheckNext(short currentEpoch, int currentLastSequence, short producerEpoch, int firstSequence)
    {
        if (producerEpoch < currentEpoch)
        {
            return new ProducerCheck(ErrorCode.InvalidProducerEpoch, null);
        }

        if (producerEpoch > currentEpoch)
        {
            // A bumped epoch starts a new sequence space at 0.
            return firstSequence == 0 ? ProducerCheck.Accept : new ProducerCheck(ErrorCode.OutOfOrderSequenceNumber, null);
        }

        return InSequence(currentLastSequence, firstSequence) ? ProducerCheck.Accept : new ProducerCheck(ErrorCode.OutOfOrderSequenceNumber, null);
    }

    /// <summary>Sequences wrap from Int32.MaxValue to 0; -1 (nothing written yet in this epoch) is followed by 0.</summary>
    public static bool InSequence(int lastSequence, int nextSequence) =>
        nextSequence == lastSequence + 1L || (nextSequence == 0 && lastSequence == int.MaxValue);

    /// <summary>The sequence <paramref name="increment"/> after <paramref name="sequence"/>, wrapping at Int32.MaxValue as Kafka does.</summary>
    public static int IncrementSequence(int sequence, int increment) =>
        sequence > int.MaxValue - increment ? increment - (int.MaxValue - sequence) - 1 : sequence + increment;

    public void Update(long producerId, short producerEpoch, BatchMetadata batch, bool isTransactional = false)
    {
        ProducerStateEntry entry = GetOrAdd(producerId, producerEpoch);

        entry.Add(producerEpoch, batch);
        if (isTransactional && entry.CurrentTxnFirstOffset < 0)
        {
            // The producer's first transactional batch here since its last marker begins a transaction.
            entry.CurrentTxnFirstOffset = batch.FirstOffset;
            _ongoing.Add((batch.FirstOffset, producerId));
        }
    }

    /// <summary>Forgets producers idle longer than producer.id.expiration.ms (by their last batch timestamp, as Kafka).</summary>
    public int RemoveExpired(long nowMs, long expirationMs)
    {
        int removed = 0;
        foreach (ProducerStateEntry entry in _producers.Values.ToList())
        {
            // As Kafka: a producer with a transaction open here is never expired (its transaction would be lost).
            if (nowMs - entry.LastTimestamp >= expirationMs && entry.CurrentTxnFirstOffset < 0)
            {
                _producers.Remove(entry.ProducerId);
                removed++;
            }
        }

        return removed;
    }

    public void Clear()
    {
        _producers.Clear();
        _ongoing.Clear();
        _unreplicated.Clear();
    }

    private ProducerStateEntry GetOrAdd(long producerId, short producerEpoch)
    {
        if (!_producers.TryGetValue(producerId, out ProducerStateEntry? entry))
        {
            entry = new ProducerStateEntry(producerId, producerEpoch);
            _producers[producerId] = entry;
        }

        return entry;
    }

    /// <summary>The last batch of the same producer earlier in the append, if any.</summary>
    private static BatchInfo? EarlierInAppend(in LogAppendInfo info, int index)
    {
        long producerId = info[index].ProducerId;
        for (int i = index - 1; i >= 0; i--)
        {
            if (info[i].ProducerId == producerId && info[i].IsTrackedByProducerState)
            {
                return info[i];
            }
        }

        return null;
    }

    internal void Restore(ProducerStateEntry entry)
    {
        _producers[entry.ProducerId] = entry;
        if (entry.CurrentTxnFirstOffset >= 0)
        {
            _ongoing.Add((entry.CurrentTxnFirstOffset, entry.ProducerId));
        }
    }

    private bool InTransaction(long producerId) => _producers.TryGetValue(producerId, out ProducerStateEntry? entry) && entry.CurrentTxnFirstOffset >= 0;

    /// <summary>Kafka's last stable offset for a completed transaction's index entry: the next ongoing transaction of another producer, else just past the marker.</summary>
    private long LastStableOffsetAfter(long producerId, long markerOffset)
    {
        foreach ((long firstOffset, long other) in _ongoing)
        {
            if (other != producerId)
            {
                return firstOffset;
            }
        }

        return markerOffset + 1;
    }

    private static bool TryReadMarker(ReadOnlyMemory<byte> batch, out EndTransactionMarker marker)
    {
        try
        {
            return EndTransactionMarker.TryRead(new RecordBatch(batch), out marker);
        }
        catch (RecordsException)
        {
            // Recovery checked the CRC: a malformed marker was written so; like Kafka, it ends nothing.
            marker = default;
            return false;
        }
    }
}
