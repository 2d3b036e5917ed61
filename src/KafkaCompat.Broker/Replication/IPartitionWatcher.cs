namespace KafkaCompat.Broker.Replication;

/// <summary>
/// A delayed operation waiting on partitions (Kafka's purgatory, keyed by partition): a Fetch
/// waiting for min.bytes, later a Produce with acks=all waiting for the ISR. The partition calls
/// it after its log end or high watermark moved, on the appender's thread, so an implementation
/// only records the fact and wakes its owner; the owner then re-reads just those partitions.
/// </summary>
public interface IPartitionWatcher
{
    void OnPartitionChanged(Partition partition);
}
