using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>A subscribed topic as the group last saw it (ConsumerGroupPartitionMetadataValue): a change bumps the group epoch.</summary>
public sealed record SubscribedTopic(Uuid TopicId, string Name, int NumPartitions);
