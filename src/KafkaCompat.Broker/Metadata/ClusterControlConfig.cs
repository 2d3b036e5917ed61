namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// What the controller needs to admit brokers: the cluster id registrations must name, and
/// broker.session.timeout.ms, after which a broker that has not heartbeated is fenced.
/// </summary>
public sealed record ClusterControlConfig(string ClusterId, long SessionTimeoutMs = ClusterControlConfig.DefaultSessionTimeoutMs)
{
    public const long DefaultSessionTimeoutMs = 9000;
}
