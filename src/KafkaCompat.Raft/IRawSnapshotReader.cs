namespace KafkaCompat.Raft;

/// <summary>A complete (frozen) KRaft snapshot file, read as raw bytes: whole for loading, in byte ranges for FetchSnapshot.</summary>
public interface IRawSnapshotReader : IDisposable
{
    OffsetAndEpoch SnapshotId { get; }

    long SizeInBytes { get; }

    /// <summary>Up to <paramref name="maxBytes"/> bytes from <paramref name="position"/> (FetchSnapshot's Position): a chunk may end inside a batch.</summary>
    ReadOnlyMemory<byte> Slice(long position, int maxBytes);

    /// <summary>The whole file: record batches whose offsets start at 0 (SnapshotHeader control batch, records, SnapshotFooter control batch).</summary>
    ReadOnlyMemory<byte> Records();
}
