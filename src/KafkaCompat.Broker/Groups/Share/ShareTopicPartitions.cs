using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Share;

/// <summary>
/// Some partitions of one topic whose share-group state is (being) initialized, as
/// ShareGroupStatePartitionMetadata lists them, with when the topic joined that list (Kafka 4.1's CreateTimestamp).
/// </summary>
public sealed record ShareTopicPartitions(Uuid TopicId, string TopicName, ImmutableSortedSet<int> Partitions, long CreateTimestamp);
