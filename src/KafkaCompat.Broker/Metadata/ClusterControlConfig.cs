namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// What the controller needs to admit brokers: the cluster id registrations must name,
/// broker.session.timeout.ms, after which a broker that has not heartbeated is fenced, and the broker
/// of its own node when the node is a combined one (it lives and dies with the controller's process).
/// </summary>
public sealed record ClusterControlConfig(string ClusterId, long SessionTimeoutMs = ClusterControlConfig.DefaultSessionTimeoutMs, int? LocalBrokerId = null)
{
    public const long DefaultSessionTimeoutMs = 9000;
}
