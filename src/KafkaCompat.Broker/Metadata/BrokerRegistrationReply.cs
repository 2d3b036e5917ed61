namespace KafkaCompat.Broker.Metadata;

/// <summary>The controller's answer to a broker registration: the broker epoch, or why it was refused.</summary>
public sealed record BrokerRegistrationReply(MetadataResult Result, long BrokerEpoch = -1);
