using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Share;

/// <summary>
/// A KIP-932 share group: the group epoch (bumped by every membership or subscription change, and
/// when share partitions finish initializing), the target assignment and its epoch, the members
/// with their current assignments, and which partitions have share-group state with the share
/// coordinator, is being initialized, or is being deleted. Changed only by replaying its records, as Kafka's ShareGroup.
/// </summary>
public sealed class ShareGroup(string groupId)
{
    /// <summary>Kafka's protocol type for share groups in ListGroups.</summary>
    public const string ProtocolType = "share";

    /// <summary>Kafka's group type for share groups in ListGroups v5+.</summary>
    public const string GroupType = "share";

    /// <summary>The epoch of a member leaving the group (ShareGroupHeartbeat with -1).</summary>
    public const int LeaveGroupMemberEpoch = -1;

    public string GroupId { get; } = groupId;

    public int GroupEpoch { get; set; }

    public int AssignmentEpoch { get; set; }

    public Dictionary<string, ShareGroupMember> Members { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ImmutableHashSet<TopicIdPartition>> TargetAssignment { get; } = new(StringComparer.Ordinal);

    /// <summary>The subscribed topics by name, as recorded by ShareGroupPartitionMetadata.</summary>
    public ImmutableDictionary<string, SubscribedTopic> SubscriptionMetadata { get; set; } = ImmutableDictionary<string, SubscribedTopic>.Empty;

    /// <summary>Partitions whose share-group state the share coordinator has (ShareGroupStatePartitionMetadata's InitializedTopics): only these are assigned.</summary>
    public Dictionary<Uuid, ShareTopicPartitions> InitializedTopics { get; } = [];

    /// <summary>Topics whose share-group state is being deleted (ShareGroupStatePartitionMetadata's DeletingTopics).</summary>
    public Dictionary<Uuid, string> DeletingTopics { get; } = [];

    /// <summary>Partitions asked of the persister and not answered yet, with when they were asked (ShareGroupStatePartitionMetadata's InitializingTopics, Kafka 4.1).</summary>
    public Dictionary<TopicIdPartition, long> Initializing { get; } = [];

    public Dictionary<string, ITimer> SessionTimers { get; } = new(StringComparer.Ordinal);

    public bool IsDead { get; set; }

    public ShareGroupState State => IsDead ? ShareGroupState.Dead : Members.Count == 0 ? ShareGroupState.Empty : ShareGroupState.Stable;

    public ImmutableHashSet<TopicIdPartition> TargetOf(string memberId) => TargetAssignment.GetValueOrDefault(memberId) ?? PartitionAssignment.Empty;

    public bool IsInitialized(TopicIdPartition partition) =>
        InitializedTopics.TryGetValue(partition.TopicId, out var topic) && topic.Partitions.Contains(partition.Partition);

    /// <summary>The initialized partitions of the subscribed topics: what the assignor may hand out.</summary>
    public IReadOnlyList<TopicIdPartition> AssignablePartitions(IEnumerable<SubscribedTopic> subscribed) =>
        subscribed.Where(t => InitializedTopics.ContainsKey(t.TopicId))
            .SelectMany(t => InitializedTopics[t.TopicId].Partitions.Where(p => p < t.NumPartitions).Select(p => new TopicIdPartition(t.TopicId, p)))
            .ToList();
}
