namespace KafkaCompat.Raft;

/// <summary>
/// Writes one KRaft snapshot file as raw record batches (KIP-630): appended in order, then frozen
/// (fsync'd and renamed to its final <c>%020d-%010d.checkpoint</c> name). Disposing a writer that
/// was not frozen deletes what it wrote.
/// </summary>
public interface IRawSnapshotWriter : IDisposable
{
    OffsetAndEpoch SnapshotId { get; }

    /// <summary>Bytes written so far.</summary>
    long SizeInBytes { get; }

    /// <summary>Appends whole record batches (a follower appends the leader's bytes as FetchSnapshot hands them over, which may split a batch: those are whole once every chunk is in).</summary>
    void Append(ReadOnlyMemory<byte> records);

    bool IsFrozen { get; }

    /// <summary>Makes the snapshot durable and visible; no append after this.</summary>
    void Freeze();
}
