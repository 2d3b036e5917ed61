namespace KafkaCompat.Broker.Lifecycle;

/// <summary>
/// What a broker registers with and how often it heartbeats: node.id, the cluster id of its log
/// directories, broker.rack, broker.heartbeat.interval.ms (2000) and initial.broker.registration.timeout.ms
/// (60000), the time a starting broker keeps trying to register before it gives up.
/// </summary>
public sealed record BrokerLifecycleConfig(int NodeId, string ClusterId, string? Rack, long HeartbeatIntervalMs = 2000, long InitialRegistrationTimeoutMs = 60000);
