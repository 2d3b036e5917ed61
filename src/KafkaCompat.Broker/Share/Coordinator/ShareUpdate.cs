using System.Collections.Immutable;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// What a ShareUpdate record says about a share-partition: the snapshot it refines, the writer's
/// leader epoch, the new start offset (-1 unchanged), the delivery-complete count (-1 unchanged) and
/// only the batches that changed. It carries no state epoch and no timestamps: those stay the snapshot's.
/// </summary>
public sealed record ShareUpdate(int SnapshotEpoch, int LeaderEpoch, long StartOffset, int DeliveryCompleteCount, ImmutableArray<PersisterStateBatch> StateBatches)
{
    /// <summary>The state after this update is applied to <paramref name="current"/>.</summary>
    public ShareGroupOffset ApplyTo(ShareGroupOffset current)
    {
        var startOffset = StartOffset == ShareGroupOffset.NotSet ? current.StartOffset : StartOffset;
        return current with
        {
            LeaderEpoch = LeaderEpoch == ShareGroupOffset.NotSet ? current.LeaderEpoch : LeaderEpoch,
            StartOffset = startOffset,
            DeliveryCompleteCount = DeliveryCompleteCount == ShareGroupOffset.NotSet ? current.DeliveryCompleteCount : DeliveryCompleteCount,
            StateBatches = StateBatchCombiner.Combine(current.StateBatches, StateBatches, startOffset),
        };
    }

    /// <summary>An update replayed with no snapshot before it (Kafka then takes it as the whole state).</summary>
    public ShareGroupOffset AsState() =>
        new(SnapshotEpoch, ShareGroupOffset.DefaultStateEpoch, LeaderEpoch, StartOffset, DeliveryCompleteCount, 0, 0,
            StateBatchCombiner.Combine([], StateBatches, StartOffset));
}
