using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>Conversions between partition sets and the per-topic lists of the records and the protocol.</summary>
public static class PartitionAssignment
{
    public static readonly ImmutableHashSet<TopicIdPartition> Empty = ImmutableHashSet<TopicIdPartition>.Empty;

    public static ImmutableHashSet<TopicIdPartition> From<T>(IEnumerable<T>? topics, Func<T, Uuid> topicId, Func<T, IEnumerable<int>> partitions) =>
        topics is null ? Empty : topics.SelectMany(t => partitions(t).Select(p => new TopicIdPartition(topicId(t), p))).ToImmutableHashSet();

    /// <summary>The set by topic, topics and partitions in order, so that records and answers are deterministic.</summary>
    public static List<T> ToTopics<T>(IEnumerable<TopicIdPartition> partitions, Func<Uuid, List<int>, T> topic) =>
        partitions.GroupBy(p => p.TopicId)
            .OrderBy(g => g.Key.MostSignificantBits).ThenBy(g => g.Key.LeastSignificantBits)
            .Select(g => topic(g.Key, g.Select(p => p.Partition).Order().ToList()))
            .ToList();
}
