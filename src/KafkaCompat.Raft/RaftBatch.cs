using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// One batch of the Raft log as the listeners see it: its offsets, the epoch that wrote it, its
/// append time and the values of its records (the control records of the Raft layer itself,
/// LeaderChange, SnapshotHeader/Footer, KRaftVersion, KRaftVoters, are not passed on).
/// </summary>
public sealed record RaftBatch(long BaseOffset, long LastOffset, int Epoch, long AppendTimestamp, int SizeInBytes, IReadOnlyList<ReadOnlyMemory<byte>> Records);

/// <summary>
/// A snapshot a listener loads: its id, the append time of the last record it contains, and its
/// records' values in order; and KIP-853's kraft.version and voter set when it holds them.
/// </summary>
public sealed record RaftSnapshot(OffsetAndEpoch SnapshotId, long LastContainedLogTimestamp, IReadOnlyList<ReadOnlyMemory<byte>> Records)
{
    public KRaftVersionRecord? KRaftVersion { get; init; }

    public VotersRecord? Voters { get; init; }
}
