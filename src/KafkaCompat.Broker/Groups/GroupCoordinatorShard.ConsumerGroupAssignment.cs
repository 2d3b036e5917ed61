using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker.Groups;

/// <summary>The target assignment of a consumer group: the subscribed topics' metadata, the preferred assignor and its inputs.</summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>A partition's owner epoch, ignoring the member itself (a static member taking over its former id's partitions).</summary>
    private static int PartitionEpochExcept(ConsumerGroup group, TopicIdPartition partition, string memberId) =>
        group.Members.TryGetValue(memberId, out var self) && (self.AssignedPartitions.Contains(partition) || self.PartitionsPendingRevocation.Contains(partition))
            ? -1
            : group.PartitionEpoch(partition);

    private IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> ComputeTargetAssignment(ConsumerGroup group, List<ConsumerGroupMember> members,
        ImmutableDictionary<string, SubscribedTopic> metadata, string memberId, string replacedMemberId)
    {
        var assignor = PreferredAssignor(members);
        var inputs = members.Select(m => new AssignorMember(
            m.MemberId,
            m.SubscribedTopicNames.Where(metadata.ContainsKey).Select(t => metadata[t].TopicId).ToHashSet(),
            m.MemberId == memberId ? group.TargetOf(replacedMemberId) : group.TargetOf(m.MemberId))).ToList();
        return assignor.Assign(inputs, metadata.Values.ToDictionary(t => t.TopicId, t => t.NumPartitions));
    }

    /// <summary>The group's assignor: the one most members ask for (Kafka's choice), else the default.</summary>
    private static IConsumerGroupAssignor PreferredAssignor(IEnumerable<ConsumerGroupMember> members)
    {
        var assignorName = members.Where(m => m.ServerAssignor is not null).GroupBy(m => m.ServerAssignor!)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
        return Assignors.FirstOrDefault(a => a.Name == assignorName) ?? Assignors[0];
    }

    private static ImmutableDictionary<string, SubscribedTopic> SubscriptionMetadata(IEnumerable<ConsumerGroupMember> members, MetadataImage image)
    {
        var result = ImmutableDictionary.CreateBuilder<string, SubscribedTopic>(StringComparer.Ordinal);
        foreach (var name in members.SelectMany(m => m.SubscribedTopicNames).Distinct())
        {
            if (image.Topic(name) is { } topic)
            {
                result[name] = new SubscribedTopic(topic.Id, name, topic.Partitions.Length);
            }
        }
        return result.ToImmutable();
    }

    private static bool SameMetadata(ImmutableDictionary<string, SubscribedTopic> a, ImmutableDictionary<string, SubscribedTopic> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);
}
