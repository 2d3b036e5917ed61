using System.Buffers.Binary;

namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// A node's state machine (as Kafka's ReplicatedCounter): the committed values it was told of, by
/// offset. Every <c>snapshotEveryRecords</c> committed records it snapshots that whole state through
/// the Raft client (each record of the snapshot is an offset and its value), and loading a snapshot
/// replaces the state with the one it holds, so a node that caught up by snapshot still has every
/// committed value to compare with the others'.
/// </summary>
internal sealed class CommittedValues(RaftClient client, int snapshotEveryRecords) : IRaftListener
{
    private const int EntryBytes = 12;

    private readonly SortedDictionary<long, int> _values = [];
    private long _snapshotEndOffset;

    public IReadOnlyDictionary<long, int> Values => _values;

    public LeaderAndEpoch Leader { get; private set; }

    /// <summary>Snapshots this listener took (it is told of those the leader sent by <see cref="HandleLoadSnapshot"/>).</summary>
    public int SnapshotsTaken { get; private set; }

    /// <summary>Snapshots this listener loaded.</summary>
    public int SnapshotsLoaded { get; private set; }

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
        _values.Clear();
        foreach (var entry in snapshot.Records)
        {
            var span = entry.Span;
            if (span.Length != EntryBytes)
            {
                throw new SimulationFailure($"snapshot {snapshot.SnapshotId} holds a {span.Length}-byte record");
            }
            var offset = BinaryPrimitives.ReadInt64BigEndian(span);
            if (offset >= snapshot.SnapshotId.Offset)
            {
                throw new SimulationFailure($"snapshot {snapshot.SnapshotId} holds offset {offset}, at or after its end");
            }
            _values[offset] = BinaryPrimitives.ReadInt32BigEndian(span[8..]);
        }
        _snapshotEndOffset = snapshot.SnapshotId.Offset;
        SnapshotsLoaded++;
    }

    public void HandleCommit(RaftBatch batch)
    {
        for (var i = 0; i < batch.Records.Count; i++)
        {
            _values[batch.BaseOffset + i] = BinaryPrimitives.ReadInt32BigEndian(batch.Records[i].Span);
        }
        var endOffset = batch.LastOffset + 1;
        if (endOffset - _snapshotEndOffset >= snapshotEveryRecords)
        {
            TakeSnapshot(new OffsetAndEpoch(endOffset, batch.Epoch), batch.AppendTimestamp);
        }
    }

    public void HandleLeaderChange(LeaderAndEpoch leader) => Leader = leader;

    public void BeginShutdown()
    {
    }

    private void TakeSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp)
    {
        using var writer = client.CreateSnapshot(snapshotId, lastContainedLogTimestamp);
        _snapshotEndOffset = snapshotId.Offset;
        if (writer is null)
        {
            return;
        }
        writer.Append(_values.Select(entry =>
        {
            var bytes = new byte[EntryBytes];
            BinaryPrimitives.WriteInt64BigEndian(bytes, entry.Key);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), entry.Value);
            return (ReadOnlyMemory<byte>)bytes;
        }));
        writer.Freeze();
        SnapshotsTaken++;
    }
}
