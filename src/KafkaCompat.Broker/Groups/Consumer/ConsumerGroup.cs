using System.Collections.Immutable;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// A KIP-848 consumer group: the group epoch (bumped by every membership or subscription change),
/// the target assignment and its epoch, the members with their current assignments. Changed only by
/// replaying its records; the state is derived, as in Kafka's ConsumerGroup.
/// </summary>
public sealed class ConsumerGroup(string groupId)
{
    /// <summary>Epoch of a member that left (-1), and of a static member that left meaning to come back (-2, KIP-848).</summary>
    public const int LeaveGroupMemberEpoch = -1;
    public const int LeaveGroupStaticMemberEpoch = -2;

    public string GroupId { get; } = groupId;

    public int GroupEpoch { get; set; }

    public int AssignmentEpoch { get; set; }

    public Dictionary<string, ConsumerGroupMember> Members { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ImmutableHashSet<TopicIdPartition>> TargetAssignment { get; } = new(StringComparer.Ordinal);

    /// <summary>The subscribed topics by name, as recorded by ConsumerGroupPartitionMetadata.</summary>
    public ImmutableDictionary<string, SubscribedTopic> SubscriptionMetadata { get; set; } = ImmutableDictionary<string, SubscribedTopic>.Empty;

    /// <summary>For every owned partition (assigned or pending revocation), the epoch of the member owning it: a partition is free to hand to another member only once absent.</summary>
    public Dictionary<TopicIdPartition, int> PartitionEpochs { get; } = [];

    public Dictionary<string, ITimer> SessionTimers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ITimer> RebalanceTimers { get; } = new(StringComparer.Ordinal);

    /// <summary>Classic members told to rejoin (REBALANCE_IN_PROGRESS) must do so within their rebalance timeout, as in Kafka's online migration.</summary>
    public Dictionary<string, ITimer> ClassicJoinTimers { get; } = new(StringComparer.Ordinal);

    /// <summary>Classic members that joined must send SyncGroup within their rebalance timeout.</summary>
    public Dictionary<string, ITimer> ClassicSyncTimers { get; } = new(StringComparer.Ordinal);

    public bool IsDead { get; set; }

    public ConsumerGroupState State
    {
        get
        {
            if (IsDead)
            {
                return ConsumerGroupState.Dead;
            }
            if (Members.Count == 0)
            {
                return ConsumerGroupState.Empty;
            }
            if (GroupEpoch > AssignmentEpoch)
            {
                return ConsumerGroupState.Assigning;
            }
            return Members.Values.All(m => m.State == MemberState.Stable && m.MemberEpoch == AssignmentEpoch)
                ? ConsumerGroupState.Stable
                : ConsumerGroupState.Reconciling;
        }
    }

    public ConsumerGroupMember? StaticMember(string instanceId) => Members.Values.FirstOrDefault(m => m.InstanceId == instanceId);

    public ImmutableHashSet<TopicIdPartition> TargetOf(string memberId) => TargetAssignment.GetValueOrDefault(memberId) ?? PartitionAssignment.Empty;

    /// <summary>-1 when no member owns the partition.</summary>
    public int PartitionEpoch(TopicIdPartition partition) => PartitionEpochs.GetValueOrDefault(partition, -1);

    /// <summary>Installs a member's current assignment, moving the partition epochs from its old one (Kafka keeps them in step the same way).</summary>
    public void UpdateAssignment(ConsumerGroupMember? old, ConsumerGroupMember updated)
    {
        if (old is not null)
        {
            ReleasePartitions(old);
        }
        foreach (var partition in updated.AssignedPartitions)
        {
            PartitionEpochs[partition] = updated.MemberEpoch;
        }
        foreach (var partition in updated.PartitionsPendingRevocation)
        {
            PartitionEpochs[partition] = updated.MemberEpoch;
        }
        Members[updated.MemberId] = updated;
    }

    /// <summary>A member leaves the group: the partitions it owned or was revoking are free again.</summary>
    public void RemoveMember(ConsumerGroupMember member)
    {
        ReleasePartitions(member);
        Members.Remove(member.MemberId);
    }

    private void ReleasePartitions(ConsumerGroupMember member)
    {
        foreach (var partition in member.AssignedPartitions.Union(member.PartitionsPendingRevocation))
        {
            PartitionEpochs.Remove(partition);
        }
    }
}
