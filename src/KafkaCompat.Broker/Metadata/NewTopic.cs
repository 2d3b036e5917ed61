namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// A topic as CreateTopics asks for it: -1 partitions or replication factor take the controller's
/// defaults (KIP-464); <see cref="Assignments"/>, when given, name each partition's replicas instead.
/// </summary>
public sealed record NewTopic(
    string Name,
    int NumPartitions,
    short ReplicationFactor,
    IReadOnlyList<(int Partition, IReadOnlyList<int> Replicas)> Assignments,
    IReadOnlyDictionary<string, string?> Configs);

/// <summary>The controller's defaults for topics created without a partition count or replication factor.</summary>
public readonly record struct TopicDefaults(int NumPartitions, short ReplicationFactor);
