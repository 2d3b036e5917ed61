using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Metadata;

/// <summary>Whether a published image came from a snapshot or from committed log batches.</summary>
public enum LoaderManifestType
{
    Snapshot,
    LogDelta,
}

/// <summary>
/// What a published image was built from: the id a snapshot of it would have (the offset after its
/// last record and that record's epoch), the last record's append time, and the log bytes replayed.
/// </summary>
public sealed record LoaderManifest(LoaderManifestType Type, OffsetAndEpoch SnapshotId, long LastContainedLogTimestamp, long NumBytes);
