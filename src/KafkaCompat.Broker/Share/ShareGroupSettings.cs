using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Share;

/// <summary>
/// What a share group's partitions need of its settings (KIP-932): how long an acquisition lock
/// lasts, how many deliveries a record gets before it is archived, how many records a partition may
/// have in flight, where a partition with no state starts and how far it reads. Kafka takes each from
/// the group's config when one is set and from the broker's <c>group.share.*</c> default otherwise;
/// <see cref="SharePartitionManager"/> asks for them in one place, per group.
/// </summary>
public sealed record ShareGroupSettings(
    int RecordLockDurationMs,
    int DeliveryCountLimit,
    int PartitionMaxRecordLocks,
    ShareAutoOffsetReset AutoOffsetReset,
    bool ReadCommitted)
{
    /// <summary>
    /// A group's settings: its share.* group configs (KIP-932; <see cref="GroupConfig"/> falls back to the
    /// broker's group.share.* values) and the broker-wide delivery-count and in-flight limits.
    /// </summary>
    public static ShareGroupSettings Of(GroupConfig group, BrokerConfig broker) => new(
        group.ShareRecordLockDurationMs,
        broker.GetInt("group.share.delivery.count.limit"),
        broker.GetInt("group.share.partition.max.record.locks"),
        ShareAutoOffsetReset.Parse(group.ShareAutoOffsetReset) ?? ShareAutoOffsetReset.Latest,
        ReadCommitted: group.ShareIsolationLevel == "read_committed");

    /// <summary>The broker's defaults; share.auto.offset.reset and share.isolation.level exist only as group configs, whose defaults are latest and read_uncommitted.</summary>
    public static ShareGroupSettings FromBroker(BrokerConfig config) => new(
        config.GetInt("group.share.record.lock.duration.ms"),
        config.GetInt("group.share.delivery.count.limit"),
        config.GetInt("group.share.partition.max.record.locks"),
        ShareAutoOffsetReset.Latest,
        ReadCommitted: false);
}
