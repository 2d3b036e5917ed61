using KafkaCompat.Records;

namespace KafkaCompat.Raft;

/// <summary>
/// Telling the listeners (Kafka's ListenerContext): each is given the committed batches in offset
/// order, read back from the log, without the Raft layer's own control batches; the latest snapshot
/// first when its position is behind the log start; and each leader change, after the commits of
/// the old epoch it has seen (a new leader's listener only once it has read up to the epoch start,
/// so the controller never acts as leader on a state that misses committed records).
/// </summary>
public sealed partial class RaftClient
{
    private const int ListenerReadBytes = 1024 * 1024;

    /// <summary>Decompressed size allowed for one metadata batch (its compressed cap is 8 MiB too).</summary>
    private const int MaxDecompressedBatchBytes = 64 * 1024 * 1024;

    private void UpdateListenersProgress()
    {
        var highWatermark = _log.HighWatermark;
        foreach (var context in _listeners)
        {
            if (context.NextOffset < _log.StartOffset && context.NextOffset < highWatermark && _log.LatestSnapshotId is { } snapshotId)
            {
                LoadSnapshot(context, snapshotId);
            }
            while (context.NextOffset < highWatermark)
            {
                var before = context.NextOffset;
                using (var read = _log.Read(context.NextOffset, RaftIsolation.Committed, ListenerReadBytes))
                {
                    foreach (var batch in new RecordBatchSet(read.Records))
                    {
                        if (batch.LastOffset < context.NextOffset)
                        {
                            continue;
                        }
                        if (batch.NextOffset > highWatermark)
                        {
                            break;
                        }
                        if (!batch.IsControl)
                        {
                            context.Listener.HandleCommit(new RaftBatch(batch.BaseOffset, batch.LastOffset, batch.PartitionLeaderEpoch, batch.MaxTimestamp, batch.SizeInBytes, Values(batch)));
                        }
                        context.NextOffset = batch.NextOffset;
                    }
                }
                if (context.NextOffset == before)
                {
                    break;
                }
            }
        }
        MaybeFireLeaderChange();
    }

    private void MaybeFireLeaderChange()
    {
        var leader = _quorum.LeaderAndEpoch;
        var epochStartOffset = _quorum.State is LeaderState leaderState ? leaderState.EpochStartOffset : 0;
        foreach (var context in _listeners)
        {
            if (context.ShouldFireLeaderChange(leader) && context.NextOffset >= epochStartOffset)
            {
                context.LastFiredLeaderChange = leader;
                context.Listener.HandleLeaderChange(leader);
            }
        }
    }

    private void LoadSnapshot(ListenerContext context, OffsetAndEpoch snapshotId)
    {
        using var reader = _log.ReadSnapshot(snapshotId) ?? throw new InvalidOperationException($"The latest snapshot {snapshotId} cannot be read.");
        // A snapshot that fails its checks would hand the listener a partial state: stop, as Kafka's reader does.
        var snapshot = RecordsSnapshotReader.TryRead(reader, MaxDecompressedBatchBytes, out var problem)
            ?? throw new InvalidOperationException($"The latest snapshot {snapshotId} is not valid: {problem}.");
        context.Listener.HandleLoadSnapshot(snapshot);
        context.NextOffset = snapshotId.Offset;
    }

    /// <summary>The records' values, copied: the listener keeps them after the read's buffer is returned.</summary>
    private static List<ReadOnlyMemory<byte>> Values(RecordBatch batch)
    {
        var values = new List<ReadOnlyMemory<byte>>(batch.RecordCount);
        using var records = batch.OpenRecords(MaxDecompressedBatchBytes);
        foreach (var record in records)
        {
            values.Add(record.IsValueNull ? ReadOnlyMemory<byte>.Empty : record.ValueSpan.ToArray());
        }
        return values;
    }
}
