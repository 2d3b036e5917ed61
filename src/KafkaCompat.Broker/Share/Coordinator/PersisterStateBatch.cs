namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// A run of offsets of a share-partition in one delivery state with one delivery count (KIP-932's
/// state batch: 0 available, 2 acknowledged, 4 archived; the leader may also persist 1, acquired).
/// </summary>
public readonly record struct PersisterStateBatch(long FirstOffset, long LastOffset, sbyte DeliveryState, short DeliveryCount)
{
    public bool SameDelivery(PersisterStateBatch other) => DeliveryState == other.DeliveryState && DeliveryCount == other.DeliveryCount;
}
