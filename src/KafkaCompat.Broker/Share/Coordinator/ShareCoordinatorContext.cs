using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// What a share coordinator shard needs from the broker: the clock (snapshot timestamps), the
/// configuration (share.coordinator.*), the partitions of <c>__share_group_state</c>, and the
/// metadata image (a share-partition of a topic or partition that does not exist is refused).
/// </summary>
public sealed record ShareCoordinatorContext(
    TimeProvider Time,
    Func<BrokerConfig> Config,
    ReplicaManager Replicas,
    Func<MetadataImage> Image,
    ILogger Logger);
