namespace KafkaCompat.Raft;

/// <summary>
/// The replicated log under the Raft client (Kafka's ReplicatedLog): <c>__cluster_metadata-0</c>
/// and its snapshots. Record batches are Kafka's v2 format; each batch carries the leader epoch
/// that wrote it (its partition leader epoch), which is how a follower finds where its log diverges
/// from the leader's. Only the Raft client's thread calls it. Two implementations: one over the
/// Storage engine's <c>PartitionLog</c> with KRaft snapshot files, and one in memory for the
/// deterministic simulation (which can lose what was not flushed, as a crash does).
/// </summary>
public interface IRaftLog : IDisposable
{
    /// <summary>The first offset of the log: 0, or the end offset of the snapshot it was trimmed behind.</summary>
    long StartOffset { get; }

    /// <summary>The log end offset: the offset the next record gets.</summary>
    long EndOffset { get; }

    /// <summary>The offset below which records are committed; only moves forward, and never past what is flushed on this replica when it leads.</summary>
    long HighWatermark { get; }

    /// <summary>The offset below which records are on disk (fsync'd).</summary>
    long LastFlushedOffset { get; }

    /// <summary>The epoch of the last record in the log, or of the latest snapshot when the log after it is empty; 0 when both are empty.</summary>
    int LastFetchedEpoch { get; }

    /// <summary>
    /// Appends batches built by this replica as leader of <paramref name="epoch"/>: their offsets
    /// are assigned here (from <see cref="EndOffset"/>) and their partition leader epoch set to
    /// <paramref name="epoch"/>, in place in <paramref name="records"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not whole, valid v2 batches.</exception>
    RaftLogAppend AppendAsLeader(Memory<byte> records, int epoch);

    /// <summary>
    /// Appends batches fetched from the leader, which carry their offsets and epochs already;
    /// the first must start at <see cref="EndOffset"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not whole, valid v2 batches, or do not start at the log end.</exception>
    RaftLogAppend AppendAsFollower(Memory<byte> records, int epoch);

    /// <summary>Whole batches from <paramref name="startOffset"/>, at most about <paramref name="maxBytes"/> (at least one batch), up to the high watermark or the log end.</summary>
    RaftLogRead Read(long startOffset, RaftIsolation isolation, int maxBytes);

    /// <summary>
    /// The end offset of <paramref name="epoch"/> in this log (the start offset of the first later
    /// epoch, or the log end for the latest) and the largest epoch not above it that the log holds;
    /// for an epoch older than the log and its snapshot, the snapshot's id.
    /// </summary>
    OffsetAndEpoch EndOffsetForEpoch(int epoch);

    /// <summary>Records that this replica leads <paramref name="epoch"/> from the current log end (Kafka's initializeLeaderEpoch), even before it appends to it.</summary>
    void InitializeLeaderEpoch(int epoch);

    /// <summary>Moves the high watermark forward (never back, never past the log end).</summary>
    void UpdateHighWatermark(long offset);

    /// <summary>Removes every record at or after <paramref name="offset"/>; never below the high watermark.</summary>
    void TruncateTo(long offset);

    /// <summary>
    /// When the latest snapshot is past the log end or its epoch differs from the log's there,
    /// drops the whole log and restarts it at the snapshot's end offset; true if it did.
    /// </summary>
    bool TruncateToLatestSnapshot();

    /// <summary>Makes everything appended durable (fsync).</summary>
    void Flush();

    /// <summary>Deletes the log before <paramref name="snapshotId"/> and older snapshots, when that snapshot exists and is not past the high watermark; true if it did.</summary>
    bool DeleteBeforeSnapshot(OffsetAndEpoch snapshotId);

    /// <summary>Applies the metadata log's retention (size and time of snapshots and the log before them); true if anything was deleted.</summary>
    bool MaybeClean();

    /// <summary>A writer for a new snapshot of committed state up to <paramref name="snapshotId"/> (exclusive); null when that snapshot exists already.</summary>
    /// <exception cref="ArgumentException">The id is past the high watermark or not an (offset, epoch) of this log.</exception>
    IRawSnapshotWriter? CreateNewSnapshot(OffsetAndEpoch snapshotId);

    /// <summary>As <see cref="CreateNewSnapshot"/> without the checks: a follower writing the snapshot it fetches from the leader.</summary>
    IRawSnapshotWriter? CreateNewSnapshotUnchecked(OffsetAndEpoch snapshotId);

    IRawSnapshotReader? ReadSnapshot(OffsetAndEpoch snapshotId);

    OffsetAndEpoch? LatestSnapshotId { get; }

    OffsetAndEpoch? EarliestSnapshotId { get; }

    /// <summary>A snapshot writer froze <paramref name="snapshotId"/>: it is complete and may be read and served.</summary>
    void OnSnapshotFrozen(OffsetAndEpoch snapshotId);
}
