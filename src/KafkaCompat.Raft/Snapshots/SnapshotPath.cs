namespace KafkaCompat.Raft;

/// <summary>
/// A file of the metadata log's directory that names a snapshot: its id, and whether it is a
/// snapshot being written (<see cref="Partial"/>) or one marked for deletion (<see cref="Deleted"/>);
/// neither means a complete, frozen snapshot.
/// </summary>
public readonly record struct SnapshotPath(string Path, OffsetAndEpoch SnapshotId, bool Partial, bool Deleted);
