namespace KafkaCompat.Broker.Share.Partitions;

/// <summary>Offsets acquired together by one fetch with the same delivery count: one AcquiredRecords entry of a ShareFetch answer.</summary>
public readonly record struct AcquiredRange(long FirstOffset, long LastOffset, short DeliveryCount)
{
    public int Count => (int)(LastOffset - FirstOffset + 1);
}
