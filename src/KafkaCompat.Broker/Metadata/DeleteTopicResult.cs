using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>The controller's answer to DeleteTopics for one topic: the outcome, and the topic's name and id when it was found.</summary>
public sealed record DeleteTopicResult(MetadataResult Result, string? Name, Uuid TopicId);
