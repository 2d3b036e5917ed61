using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups;

/// <summary>The target assignment of a consumer group: the preferred assignor and its inputs.</summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>A partition's owner epoch, ignoring the member itself (a static member taking over its former id's partitions).</summary>
    private static int PartitionEpochExcept(ConsumerGroup group, TopicIdPartition partition, string memberId) =>
        group.Members.TryGetValue(memberId, out var self) && (self.AssignedPartitions.Contains(partition) || self.PartitionsPendingRevocation.Contains(partition))
            ? -1
            : group.PartitionEpoch(partition);

    /// <summary>
    /// The new target assignment: each member subscribed to the topics of its names and of its
    /// resolved regular expression that <paramref name="image"/> has, with their partition counts there.
    /// </summary>
    private static IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> ComputeTargetAssignment(ConsumerGroup group, List<ConsumerGroupMember> members,
        MetadataImage image, string memberId, string replacedMemberId)
    {
        var assignor = PreferredAssignor(members);
        var partitionsPerTopic = new Dictionary<Uuid, int>();
        var inputs = members.Select(m => new AssignorMember(
            m.MemberId,
            group.TopicsOf(m).Select(image.Topic).OfType<TopicImage>().Select(t =>
            {
                partitionsPerTopic[t.Id] = t.Partitions.Length;
                return t.Id;
            }).ToHashSet(),
            m.MemberId == memberId ? group.TargetOf(replacedMemberId) : group.TargetOf(m.MemberId))).ToList();
        return assignor.Assign(inputs, partitionsPerTopic);
    }

    /// <summary>The group's assignor: the one most members ask for (Kafka's choice), else the default.</summary>
    private static IConsumerGroupAssignor PreferredAssignor(IEnumerable<ConsumerGroupMember> members)
    {
        var assignorName = members.Where(m => m.ServerAssignor is not null).GroupBy(m => m.ServerAssignor!)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
        return Assignors.FirstOrDefault(a => a.Name == assignorName) ?? Assignors[0];
    }

    /// <summary>Whether two subscribed-topic metadata maps are the same (share groups keep theirs in ShareGroupPartitionMetadata).</summary>
    private static bool SameMetadata(ImmutableDictionary<string, SubscribedTopic> a, ImmutableDictionary<string, SubscribedTopic> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);
}
