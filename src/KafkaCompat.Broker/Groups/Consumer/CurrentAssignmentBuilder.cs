using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// One reconciliation step of a member toward its target assignment (KIP-848): a member first
/// gives up the partitions it owns and the target no longer gives it, staying at its epoch until it
/// reports them revoked; only then does it move to the target's epoch, with the target partitions
/// no other member still owns. Partitions another member has not released yet wait
/// (UNRELEASED_PARTITIONS), so no partition is ever owned by two members at once. The member never
/// keeps, nor gets, partitions of a topic it no longer subscribes to; when its subscription changed
/// in this heartbeat, those are taken from it at once, whatever the target says (Kafka 4.x).
/// </summary>
public static class CurrentAssignmentBuilder
{
    /// <param name="member">The member as it is.</param>
    /// <param name="targetEpoch">The target assignment's epoch.</param>
    /// <param name="target">The member's partitions in the target assignment.</param>
    /// <param name="partitionEpoch">The epoch of a partition's owner, -1 when no member owns it.</param>
    /// <param name="owned">The partitions the member says it owns (null when the heartbeat did not say).</param>
    /// <param name="subscribedTopics">The ids of the topics the member subscribes to (by name, or through a resolved regular expression).</param>
    /// <param name="subscriptionChanged">Whether this heartbeat changed the member's subscription: the current assignment is then made consistent with it.</param>
    public static ConsumerGroupMember Reconcile(ConsumerGroupMember member, int targetEpoch, ImmutableHashSet<TopicIdPartition> target,
        Func<TopicIdPartition, int> partitionEpoch, IReadOnlySet<TopicIdPartition>? owned, IReadOnlySet<Uuid> subscribedTopics, bool subscriptionChanged)
    {
        switch (member.State)
        {
            case MemberState.Stable:
                if (member.MemberEpoch != targetEpoch)
                {
                    return Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned, subscribedTopics);
                }
                return subscriptionChanged ? DropUnsubscribedTopics(member, owned, subscribedTopics) : member;
            case MemberState.UnrevokedPartitions:
                // Kafka moves on only once the member's heartbeat lists none of the revoked partitions.
                if (OwnsAny(owned, member.PartitionsPendingRevocation))
                {
                    return subscriptionChanged ? DropUnsubscribedTopics(member, owned, subscribedTopics) : member;
                }
                return Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned, subscribedTopics);
            case MemberState.UnreleasedPartitions:
                return Next(member, member.MemberEpoch, targetEpoch, target, partitionEpoch, owned, subscribedTopics);
            default:
                // A state written by a later version: as Kafka, the member starts over without partitions.
                if (owned is not { Count: 0 })
                {
                    throw new ConsumerGroupException(ErrorCode.FencedMemberEpoch,
                        "The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.");
                }
                return Next(member, targetEpoch, targetEpoch, target, partitionEpoch, owned, subscribedTopics);
        }
    }

    /// <summary>Whether the member still holds any of <paramref name="revoked"/> (it does, as far as anyone knows, when it did not say what it owns).</summary>
    private static bool OwnsAny(IReadOnlySet<TopicIdPartition>? owned, ImmutableHashSet<TopicIdPartition> revoked) => owned is null || revoked.Overlaps(owned);

    /// <summary>
    /// Kafka's updateCurrentAssignment: the assigned partitions of topics the member no longer
    /// subscribes to are taken away in this very heartbeat, without waiting for a new target
    /// assignment; those it still holds are to be revoked (UNREVOKED_PARTITIONS), at its epoch.
    /// </summary>
    private static ConsumerGroupMember DropUnsubscribedTopics(ConsumerGroupMember member, IReadOnlySet<TopicIdPartition>? owned, IReadOnlySet<Uuid> subscribedTopics)
    {
        ImmutableHashSet<TopicIdPartition> assigned;
        ImmutableHashSet<TopicIdPartition> pending;
        if (subscribedTopics.Count == 0 && member.PartitionsPendingRevocation.IsEmpty)
        {
            assigned = PartitionAssignment.Empty;
            pending = member.AssignedPartitions;
        }
        else
        {
            var dropped = member.AssignedPartitions.Where(p => !subscribedTopics.Contains(p.TopicId)).ToImmutableHashSet();
            assigned = member.AssignedPartitions.Except(dropped);
            pending = member.PartitionsPendingRevocation.Union(dropped);
        }
        if (assigned.Count == member.AssignedPartitions.Count)
        {
            return member;
        }
        if (!pending.IsEmpty && OwnsAny(owned, pending))
        {
            return member with
            {
                State = MemberState.UnrevokedPartitions,
                PreviousMemberEpoch = member.MemberEpoch,
                AssignedPartitions = assigned,
                PartitionsPendingRevocation = pending,
            };
        }
        // Already given up by the member: it just owns less.
        return member with { PreviousMemberEpoch = member.MemberEpoch, AssignedPartitions = assigned };
    }

    private static ConsumerGroupMember Next(ConsumerGroupMember member, int memberEpoch, int targetEpoch, ImmutableHashSet<TopicIdPartition> target,
        Func<TopicIdPartition, int> partitionEpoch, IReadOnlySet<TopicIdPartition>? owned, IReadOnlySet<Uuid> subscribedTopics)
    {
        // A topic the member no longer subscribes to counts as absent from its target.
        var subscribedTarget = target.Where(p => subscribedTopics.Contains(p.TopicId)).ToImmutableHashSet();
        var current = member.AssignedPartitions;
        var kept = current.Intersect(subscribedTarget);
        var toRevoke = current.Except(subscribedTarget);
        var toAssign = subscribedTarget.Except(current);

        if (!toRevoke.IsEmpty && OwnsAny(owned, toRevoke))
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
