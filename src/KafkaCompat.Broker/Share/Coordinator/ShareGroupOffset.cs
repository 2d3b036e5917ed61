using System.Collections.Immutable;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// The persisted state of one share-partition, as the share coordinator holds it after replaying its
/// latest ShareSnapshot and the ShareUpdates since: the snapshot epoch (which snapshot the updates
/// refine), the state epoch (bumped by each initialization), the leader epoch of the last writer,
/// the start offset (-1 while not initialized), the delivery-complete count (KIP-1226, -1 unknown),
/// when the state was created and last snapshotted, and the state batches above the start offset.
/// </summary>
public sealed record ShareGroupOffset(
    int SnapshotEpoch,
    int StateEpoch,
    int LeaderEpoch,
    long StartOffset,
    int DeliveryCompleteCount,
    long CreateTimestamp,
    long WriteTimestamp,
    ImmutableArray<PersisterStateBatch> StateBatches)
{
    /// <summary>Kafka's "not set" for an epoch, start offset or count in a state request.</summary>
    public const int NotSet = -1;

    /// <summary>The state epoch a share-partition that was never initialized reports (Kafka's PartitionFactory default).</summary>
    public const int DefaultStateEpoch = 0;

    /// <summary>Value equality over the batches too (an ImmutableArray compares by reference).</summary>
    public bool Equals(ShareGroupOffset? other) =>
        other is not null && SnapshotEpoch == other.SnapshotEpoch && StateEpoch == other.StateEpoch && LeaderEpoch == other.LeaderEpoch
        && StartOffset == other.StartOffset && DeliveryCompleteCount == other.DeliveryCompleteCount
        && CreateTimestamp == other.CreateTimestamp && WriteTimestamp == other.WriteTimestamp
        && StateBatches.SequenceEqual(other.StateBatches);

    public override int GetHashCode() => HashCode.Combine(SnapshotEpoch, StateEpoch, LeaderEpoch, StartOffset, StateBatches.Length);
}
