using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Replication;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// What a transaction coordinator shard needs from the broker: the clock, the configuration, the
/// partitions, producer ids (the same block allocator idempotent producers draw from), the marker
/// path, and the finalized transaction.version (which picks the value version written).
/// </summary>
public sealed record TransactionCoordinatorContext(
    TimeProvider Time,
    Func<BrokerConfig> Config,
    ReplicaManager Replicas,
    ILogger Logger,
    Func<long> NextProducerId,
    ITransactionMarkerWriter Markers,
    Func<short> TransactionVersionLevel)
{
    /// <summary>How long a failed marker write waits before it is tried again (Kafka retries markers until they succeed).</summary>
    public int MarkerRetryBackoffMs { get; init; } = 100;
}
