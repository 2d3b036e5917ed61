namespace KafkaCompat.Broker.Config;

/// <summary>
/// Kafka's "Update Mode" of a broker config (DynamicBrokerConfig): read-only needs a restart,
/// per-broker can be altered only for one broker id, cluster-wide also as the cluster default.
/// </summary>
public enum ConfigUpdateMode
{
    ReadOnly,
    PerBroker,
    ClusterWide,
}
