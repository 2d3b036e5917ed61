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

    /// <summary>
    /// The hash of the subscribed topics' metadata the group epoch was last bumped for (KIP-1101's
    /// MetadataHash of ConsumerGroupMetadataValue): a heartbeat that computes another one bumps the
    /// epoch, so a topic's new partitions, or its deletion, reach the target assignment.
    /// </summary>
    public long MetadataHash { get; set; }

    /// <summary>
    /// Whether the log holds a ConsumerGroupPartitionMetadata record of the group (written before
    /// Kafka 4.1, which replaced it by <see cref="MetadataHash"/>): the next refresh tombstones it.
    /// </summary>
    public bool HasSubscriptionMetadataRecord { get; set; }

    /// <summary>The topics each subscribed regular expression resolved to (ConsumerGroupRegularExpression records).</summary>
    public Dictionary<string, ResolvedRegularExpression> ResolvedRegularExpressions { get; } = new(StringComparer.Ordinal);

    /// <summary>When the subscribed topics' metadata must be looked at again (soft state).</summary>
    public MetadataRefreshDeadline MetadataRefreshDeadline { get; set; } = MetadataRefreshDeadline.Expired;

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

    /// <summary>The members subscribed to each regular expression (an empty one is none).</summary>
    public Dictionary<string, int> SubscribedRegularExpressions() =>
        Members.Values.Where(m => m.HasRegex).GroupBy(m => m.SubscribedTopicRegex!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public int NumSubscribedMembers(string regex) => Members.Values.Count(m => m.SubscribedTopicRegex == regex);

    /// <summary>The topics <paramref name="member"/> is subscribed to: its names and what its regular expression resolved to.</summary>
    public IEnumerable<string> TopicsOf(ConsumerGroupMember member) => TopicsOf(member, ResolvedRegularExpressions);

    /// <summary>As <see cref="TopicsOf(ConsumerGroupMember)"/>, with the resolutions given (those a resolution is about to write).</summary>
    public static IEnumerable<string> TopicsOf(ConsumerGroupMember member, IReadOnlyDictionary<string, ResolvedRegularExpression> resolutions) =>
        member.HasRegex && resolutions.TryGetValue(member.SubscribedTopicRegex!, out var resolved)
            ? member.SubscribedTopicNames.Concat(resolved.Topics)
            : member.SubscribedTopicNames;

    /// <summary>Every topic the group is subscribed to, by name or by a resolved regular expression (Kafka's subscribedTopicNames).</summary>
    public HashSet<string> SubscribedTopicNames() => Members.Values.SelectMany(TopicsOf).ToHashSet(StringComparer.Ordinal);

    /// <summary>When the regular expressions were last resolved (they are resolved together); <see cref="long.MinValue"/> if never.</summary>
    public long LastRegexRefreshTimeMs => ResolvedRegularExpressions.Count == 0 ? long.MinValue : ResolvedRegularExpressions.Values.Max(r => r.TimestampMs);

    /// <summary>The metadata version the regular expressions were last resolved against; -1 if never.</summary>
    public long LastRegexVersion => ResolvedRegularExpressions.Count == 0 ? -1 : ResolvedRegularExpressions.Values.Max(r => r.Version);

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
