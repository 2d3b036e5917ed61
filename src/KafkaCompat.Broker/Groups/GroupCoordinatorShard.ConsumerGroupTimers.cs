using KafkaCompat.Broker.Groups.Consumer;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

/// <summary>The timers of consumer-group members (KIP-848): the session timeout of every member and the rebalance timeout of a member that must revoke partitions.</summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>
    /// The one place a consumer group's session timeout is read (Kafka's consumerGroupSessionTimeoutMs):
    /// the broker's <c>group.consumer.session.timeout.ms</c> until a group config (KIP-848's
    /// <c>consumer.session.timeout.ms</c>) overrides it for the group.
    /// </summary>
    private int ConsumerGroupSessionTimeoutMs(string groupId) => GroupConfigOf(groupId).ConsumerSessionTimeoutMs;

    /// <summary>The one place a consumer group's heartbeat interval is read, as <see cref="ConsumerGroupSessionTimeoutMs"/> (<c>consumer.heartbeat.interval.ms</c> per group).</summary>
    private int ConsumerGroupHeartbeatIntervalMs(string groupId) => GroupConfigOf(groupId).ConsumerHeartbeatIntervalMs;

    private void ScheduleSessionTimeout(ConsumerGroup group, string memberId)
    {
        CancelSessionTimeout(group, memberId);
        // A member speaking the classic protocol keeps the session timeout of its JoinGroup (KIP-848 online migration).
        var timeoutMs = group.Members.GetValueOrDefault(memberId)?.ClassicMetadata?.SessionTimeoutMs ?? ConsumerGroupSessionTimeoutMs(group.GroupId);
        group.SessionTimers[memberId] = Schedule(timeoutMs, () => ExpireMember(group.GroupId, memberId, "session timeout"));
    }

    private static void CancelSessionTimeout(ConsumerGroup group, string memberId)
    {
        if (group.SessionTimers.Remove(memberId, out var timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>
    /// A member that must revoke partitions has its rebalance timeout to do so, or it is fenced (KIP-848).
    /// As in Kafka, the timeout starts again whenever the member's assignment changes while it revokes
    /// (more to revoke, at the same epoch), and ends when it no longer revokes.
    /// </summary>
    private void OnAssignmentChanged(ConsumerGroup group, ConsumerGroupMember member)
    {
        if (member.State == MemberState.UnrevokedPartitions)
        {
            ScheduleRebalanceTimeout(group, member);
        }
        else
        {
            CancelRebalanceTimeout(group, member.MemberId);
        }
    }

    private void ScheduleRebalanceTimeout(ConsumerGroup group, ConsumerGroupMember member)
    {
        CancelRebalanceTimeout(group, member.MemberId);
        var epoch = member.MemberEpoch;
        group.RebalanceTimers[member.MemberId] = Schedule(Math.Max(0, member.RebalanceTimeoutMs), () =>
        {
            if (_consumerGroups.GetValueOrDefault(group.GroupId)?.Members.GetValueOrDefault(member.MemberId) is { State: MemberState.UnrevokedPartitions } still && still.MemberEpoch == epoch)
            {
                ExpireMember(group.GroupId, member.MemberId, "rebalance timeout");
            }
        });
    }

    private static void CancelRebalanceTimeout(ConsumerGroup group, string memberId)
    {
        if (group.RebalanceTimers.Remove(memberId, out var timer))
        {
            timer.Dispose();
        }
    }

    private void ExpireMember(string groupId, string memberId, string reason)
    {
        if (_runtime.Status != Coordinators.ShardStatus.Active
            || _consumerGroups.GetValueOrDefault(groupId) is not { } group || group.Members.GetValueOrDefault(memberId) is not { } member)
        {
            return;
        }
        Logger.LogInformation("Member {MemberId} of consumer group {GroupId} fenced: {Reason}", memberId, groupId, reason);
        group.SessionTimers.Remove(memberId);
        FenceMember(group, member);
    }

    private static void StopConsumerGroupTimers(ConsumerGroup group)
    {
        foreach (var timer in group.SessionTimers.Values.Concat(group.RebalanceTimers.Values).Concat(group.ClassicJoinTimers.Values).Concat(group.ClassicSyncTimers.Values))
        {
            timer.Dispose();
        }
        group.SessionTimers.Clear();
        group.RebalanceTimers.Clear();
        group.ClassicJoinTimers.Clear();
        group.ClassicSyncTimers.Clear();
    }

    /// <summary>After a load, every member's session timeout starts again, as in Kafka.</summary>
    private void OnConsumerGroupsLoaded()
    {
        foreach (var group in _consumerGroups.Values)
        {
            foreach (var member in group.Members.Values)
            {
                ScheduleSessionTimeout(group, member.MemberId);
                if (member.State == MemberState.UnrevokedPartitions)
                {
                    ScheduleRebalanceTimeout(group, member);
                }
            }
        }
    }
}
