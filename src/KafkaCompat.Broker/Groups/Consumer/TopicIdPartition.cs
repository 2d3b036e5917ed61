using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>A partition named by its topic's id, as consumer-group (KIP-848) assignments name them: a topic recreated under the same name is another topic.</summary>
public readonly record struct TopicIdPartition(Uuid TopicId, int Partition);
