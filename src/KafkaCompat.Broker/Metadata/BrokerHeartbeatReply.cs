namespace KafkaCompat.Broker.Metadata;

/// <summary>The controller's answer to a broker heartbeat (Kafka's BrokerHeartbeatReply), or why it was refused.</summary>
public sealed record BrokerHeartbeatReply(MetadataResult Result, bool IsCaughtUp = false, bool IsFenced = true, bool InControlledShutdown = false, bool ShouldShutDown = false);
