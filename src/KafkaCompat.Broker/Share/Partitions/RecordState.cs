namespace KafkaCompat.Broker.Share.Partitions;

/// <summary>
/// The delivery state of an in-flight record of a share-partition (KIP-932), numbered as the
/// share-group state records and WriteShareGroupState carry it.
/// <list type="bullet">
/// <item>Available: may be acquired by the next fetch (never delivered, released, or its lock expired).</item>
/// <item>Acquired: delivered to one member, locked until it acknowledges or the lock expires.</item>
/// <item>Acknowledged: accepted; never delivered again.</item>
/// <item>Archived: rejected, a gap, or past the delivery count limit; never delivered again.</item>
/// </list>
/// Available -> Acquired -> (Acknowledged | Archived | Available); the last two are final.
/// </summary>
public enum RecordState : sbyte
{
    Available = 0,
    Acquired = 1,
    Acknowledged = 2,
    Archived = 4,
}
