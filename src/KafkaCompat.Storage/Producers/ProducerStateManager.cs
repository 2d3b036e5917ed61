using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>The verdict on an idempotent batch: append it, answer with a retained duplicate, or reject it.</summary>
internal readonly record struct ProducerCheck(ErrorCode Error, BatchMetadata? Duplicate)
{
    public static ProducerCheck Accept { get; } = new(ErrorCode.None, null);
}

/// <summary>
/// The idempotent producers of one partition (Kafka's ProducerStateManager): per producer id the
/// epoch and the last five batches' sequence ranges and offsets, with the snapshots that let a log
/// open without replaying everything. State changes only by <see cref="Update(long, short, BatchMetadata)"/>
/// with batches that were written, so rebuilding from the log after a restart (or a truncation)
/// runs the same code as appending. The log's append lock serializes every call.
/// </summary>
internal sealed class ProducerStateManager
{
    /// <summary>Snapshots kept besides the newest: the one before it, in case the newest is torn.</summary>
    private const int KeptSnapshots = 2;

    private readonly Dictionary<long, ProducerStateEntry> _producers = [];

    public int Count => _producers.Count;

    public IEnumerable<ProducerStateEntry> Entries => _producers.Values;

    public ProducerStateEntry? Get(long producerId) => _producers.GetValueOrDefault(producerId);

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
            if (!batch.IsTrackedByProducerState)
            {
                continue;
            }

            ProducerCheck check = EarlierInAppend(in info, i) is { } earlier
                ? CheckNext(earlier.ProducerEpoch, earlier.LastSequence, batch.ProducerEpoch, batch.BaseSequence)
                : Check(batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence, batch.LastSequence);
            if (check.Error != ErrorCode.None || check.Duplicate is not null)
            {
                batchIndex = i;
                return check;
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
                    batch.BaseSequence, batch.LastSequence, baseOffset, baseOffset + batch.LastOffsetDelta, logAppendTime >= 0 ? logAppendTime : batch.MaxTimestamp));
            }
        }
    }

    /// <summary>Replays a stored batch (opening or truncating the log).</summary>
    public void Replay(RecordBatchHeader header)
    {
        if (header.HasProducerId && !header.IsControl)
        {
            Update(header.ProducerId, header.ProducerEpoch, new BatchMetadata(
                header.BaseSequence, IncrementSequence(header.BaseSequence, header.LastOffsetDelta), header.BaseOffset, header.LastOffset, header.MaxTimestamp));
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
                segment.ForEachBatchFrom(replayFrom, producers.Replay);
            }
        }

        return (producers, loadedOffset);
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

    public void Update(long producerId, short producerEpoch, BatchMetadata batch)
    {
        if (!_producers.TryGetValue(producerId, out ProducerStateEntry? entry))
        {
            entry = new ProducerStateEntry(producerId, producerEpoch);
            _producers[producerId] = entry;
        }

        entry.Add(producerEpoch, batch);
    }

    /// <summary>Forgets producers idle longer than producer.id.expiration.ms (by their last batch timestamp, as Kafka).</summary>
    public int RemoveExpired(long nowMs, long expirationMs)
    {
        int removed = 0;
        foreach (ProducerStateEntry entry in _producers.Values.ToList())
        {
            if (nowMs - entry.LastTimestamp >= expirationMs)
            {
                _producers.Remove(entry.ProducerId);
                removed++;
            }
        }

        return removed;
    }

    public void Clear() => _producers.Clear();

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

    internal void Restore(ProducerStateEntry entry) => _producers[entry.ProducerId] = entry;
}
