using System.Collections.Immutable;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// One reconciliation step of a member toward its target assignment (KIP-848): a member first
/// gives up the partitions it owns and the target no longer gives it, staying at its epoch until it
/// reports them revoked; only then does it move to the target's epoch, with the target partitions
/// no other member still owns. Partitions another member has not released yet wait
/// (UNRELEASED_PARTITIONS), so no partition is ever owned by two members at once.
/// </summary>
public static class CurrentAssignmentBuilder
{
    /// <param name="member">The member as it is.</param>
    /// <param name="targetEpoch">The target assignment's epoch.</param>
    /// <param name="target">The member's partitions in the target assignment.</param>
    /// <param name="partitionEpoch">The epoch of a partition's owner, -1 when no member owns it.</param>
    /// <param name="owned">The partitions the member says it owns (null when the heartbeat did not say).</param>
    public static ConsumerGroupMember Reconcile(ConsumerGroupMember member, int targetEpoch, ImmutableHashSet<TopicIdPartition> target,
        Func<TopicIdPartition, int> partitionEpoch, IReadOnlySet<TopicIdPartition>? owned)
    {
        switch (member.State)
        {
            case MemberState.Stable:
                return member.MemberEpoch != targetEpoch ? Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned) : member;
            case MemberState.UnrevokedPartitions:
                // Kafka moves on only once the member's heartbeat lists none of the revoked partitions.
                if (owned is not null && !member.PartitionsPendingRevocation.Overlaps(owned))
                {
                    return Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned);
                }
                return member;
            case MemberState.UnreleasedPartitions:
                return Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned);
            default:
                throw new InvalidOperationException($"member {member.MemberId} is in state {member.State}");
        }
    }

    private static ConsumerGroupMember Next(ConsumerGroupMember member, int memberEpoch, int targetEpoch, ImmutableHashSet<TopicIdPartition> target,
        Func<TopicIdPartition, int> partitionEpoch, IReadOnlySet<TopicIdPartition>? owned)
    {
        var current = member.AssignedPartitions;
        var kept = current.Intersect(target);
        var toRevoke = current.Except(target);
        var toAssign = target.Except(current);

        // The revoked partitions still in the member's hands (all of them when it did not say what it owns).
        if (!toRevoke.IsEmpty && (owned is null || toRevoke.Overlaps(owned)))
        {
            return member with
            {
                State = MemberState.UnrevokedPartitions,
                MemberEpoch = memberEpoch,
                PreviousMemberEpoch = member.MemberEpoch,
                AssignedPartitions = kept,
                PartitionsPendingRevocation = toRevoke,
            };
        }
        var free = toAssign.Where(p => partitionEpoch(p) == -1).ToImmutableHashSet();
        return member with
        {
            State = free.Count < toAssign.Count ? MemberState.UnreleasedPartitions : MemberState.Stable,
            MemberEpoch = targetEpoch,
            PreviousMemberEpoch = member.MemberEpoch,
            AssignedPartitions = kept.Union(free),
            PartitionsPendingRevocation = PartitionAssignment.Empty,
        };
    }
}
