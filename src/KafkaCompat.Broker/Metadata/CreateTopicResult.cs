using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The controller's answer to CreateTopics for one topic: the outcome and, when it succeeded (or
/// would have, under validateOnly), the topic as created: its id (zero when only validated), the
/// partition count and replication factor after defaults were applied.
/// </summary>
public sealed record CreateTopicResult(MetadataResult Result, Uuid TopicId = default, int NumPartitions = -1, short ReplicationFactor = -1);
