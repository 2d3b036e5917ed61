using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;
using static KafkaCompat.Broker.Groups.Consumer.ConsumerGroupRecords;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// Members of a consumer group that speak the classic protocol (KIP-848 online migration), as Kafka
/// serves them: JoinGroup updates the member as a ConsumerGroupHeartbeat would (its subscription read
/// from the consumer protocol metadata, the partitions it owns from the subscription's owned
/// partitions) and answers at once with the member epoch as generation; SyncGroup hands over the
/// member's assigned partitions as a ConsumerProtocolAssignment; Heartbeat answers
/// REBALANCE_IN_PROGRESS while the member must rejoin to move on (a new group epoch, partitions to
/// revoke, or partitions it waits for that are free now); LeaveGroup fences it. A member told to
/// rejoin, or that joined, has its rebalance timeout to send JoinGroup, or SyncGroup, or it is fenced.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    private Task<JoinGroupResponseData> JoinClassicMember(ConsumerGroup group, JoinGroupParams join)
    {
        try
        {
            return Task.FromResult(JoinClassicMemberOrThrow(group, join));
        }
        catch (ConsumerGroupException e)
        {
            Logger.LogDebug("Classic join to consumer group {Group} refused: {Message}", group.GroupId, e.Message);
            return JoinError(e.Error, join.MemberId);
        }
    }

    private JoinGroupResponseData JoinClassicMemberOrThrow(ConsumerGroup group, JoinGroupParams join)
    {
        var isUnknownMember = join.MemberId.Length == 0;
        var memberId = isUnknownMember ? Uuid.NewRandom().ToString() : join.MemberId;
        // Kafka's order: the size limit first (a new member's id is one the group cannot hold yet), then the protocols.
        ThrowIfConsumerGroupIsFull(group, memberId);
        if (!SupportsClassicProtocols(group, join.ProtocolType, join.Protocols))
        {
            throw new ConsumerGroupException(ErrorCode.InconsistentGroupProtocol, "The member's protocols are not supported by the group.");
        }
        if (isUnknownMember && join.GroupInstanceId is null && join.RequireKnownMemberId)
        {
            // KIP-394: the id comes first; the consumer group keeps no trace of it until the member joins with it.
            return JoinErrorResponse(ErrorCode.MemberIdRequired, memberId);
        }
        var image = Image;
        var subscription = ClassicConsumerProtocol.ReadSubscription(join.Protocols[0].Metadata, image)
            ?? throw new ConsumerGroupException(ErrorCode.InconsistentGroupProtocol, "The member's consumer protocol subscription cannot be read.");
        var records = new List<CoordinatorRecord>();
        var member = join.GroupInstanceId is { } instanceId
            ? ClassicStaticMember(group, memberId, isUnknownMember, instanceId, records)
            : group.Members.GetValueOrDefault(memberId) ?? new ConsumerGroupMember(memberId);
        var updated = member with
        {
            InstanceId = join.GroupInstanceId ?? member.InstanceId,
            RackId = subscription.RackId ?? member.RackId,
            RebalanceTimeoutMs = join.RebalanceTimeoutMs,
            SubscribedTopicNames = [.. subscription.Topics],
            ClientId = join.ClientId,
            ClientHost = join.ClientHost,
            ClassicMetadata = new ClassicMemberMetadata(join.SessionTimeoutMs, [.. join.Protocols]),
        };
        var replaced = isUnknownMember && join.GroupInstanceId is { } replacedInstance ? group.StaticMember(replacedInstance) : null;
        var reconciled = UpdateMember(group, member, updated, subscription.OwnedPartitions, image, records);
        // Kafka's last step: replacing the last member of the consumer protocol gives the group back to the classic protocol.
        if (replaced is not null && MaybeDowngradeWithReplacedMember(group, replaced, reconciled, records) is { } downgraded)
        {
            return downgraded;
        }
        var error = WriteConsumerGroupRecords(records);
        if (error != ErrorCode.None)
        {
            throw new ConsumerGroupException(error, $"The join could not be stored: {error}.");
        }
        var live = _consumerGroups[group.GroupId];
        CancelTimer(live.ClassicJoinTimers, reconciled.MemberId);
        ScheduleSessionTimeout(live, reconciled.MemberId);
        ScheduleClassicTimeout(live, live.ClassicSyncTimers, reconciled.MemberId, join.RebalanceTimeoutMs, "sync timeout");
        // Every classic member of a consumer group is a follower: the assignment is the coordinator's.
        return new JoinGroupResponseData
        {
            MemberId = reconciled.MemberId,
            GenerationId = reconciled.MemberEpoch,
            ProtocolType = ClassicGroup.ConsumerProtocolType,
            ProtocolName = join.Protocols[0].Name,
            Leader = "",
        };
    }

    /// <summary>A static classic member: a join without member id takes its instance id over (the old member's records tombstoned), one with a member id must be the instance's holder.</summary>
    private static ConsumerGroupMember ClassicStaticMember(ConsumerGroup group, string memberId, bool isUnknownMember, string instanceId, List<CoordinatorRecord> records)
    {
        var holder = group.StaticMember(instanceId);
        if (isUnknownMember)
        {
            if (holder is null)
            {
                return new ConsumerGroupMember(memberId) { InstanceId = instanceId };
            }
            records.AddRange(MemberTombstones(group.GroupId, holder.MemberId));
            records.Add(new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(group.GroupId, memberId, TargetValue(group.TargetOf(holder.MemberId))));
            // As in Kafka, the replacement starts at epoch 0 with the holder's assignment and reconciles to the target's epoch.
            return holder with
            {
                MemberId = memberId,
                MemberEpoch = 0,
                PreviousMemberEpoch = 0,
            };
        }
        if (holder is null)
        {
            throw new ConsumerGroupException(ErrorCode.UnknownMemberId, $"Instance id {instanceId} is unknown in group {group.GroupId}.");
        }
        return holder.MemberId == memberId
            ? holder
            : throw new ConsumerGroupException(ErrorCode.FencedInstanceId, $"Instance id {instanceId} belongs to member {holder.MemberId}, not {memberId}.");
    }

    /// <summary>Kafka's supportsClassicProtocols: the consumer protocol type, and a protocol every classic member of the group supports.</summary>
    private static bool SupportsClassicProtocols(ConsumerGroup group, string protocolType, IReadOnlyList<MemberProtocol> protocols)
    {
        if (protocolType != ClassicGroup.ConsumerProtocolType || protocols.Count == 0)
        {
            return false;
        }
        var classicMembers = group.Members.Values.Where(m => m.UsesClassicProtocol).ToList();
        return protocols.Any(p => classicMembers.All(m => m.ClassicMetadata!.SupportedProtocols.Any(s => s.Name == p.Name)));
    }

    private SyncGroupResponseData SyncClassicMember(ConsumerGroup group, SyncGroupParams sync)
    {
        var (member, error) = ClassicMember(group, sync.MemberId, sync.GroupInstanceId);
        if (member is null)
        {
            return SyncErrorResponse(error);
        }
        if (sync.GenerationId != member.MemberEpoch)
        {
            return SyncErrorResponse(ErrorCode.IllegalGeneration);
        }
        var preferred = member.ClassicMetadata!.Preferred;
        if ((sync.ProtocolType is not null && sync.ProtocolType != ClassicGroup.ConsumerProtocolType) || (sync.ProtocolName is not null && sync.ProtocolName != preferred.Name))
        {
            return SyncErrorResponse(ErrorCode.InconsistentGroupProtocol);
        }
        // A new group epoch means another rejoin, unless the member is still revoking (it rejoins once done).
        if (group.GroupEpoch > member.MemberEpoch && member.State != MemberState.UnrevokedPartitions)
        {
            ScheduleClassicJoinTimeoutIfAbsent(group, member);
            return SyncErrorResponse(ErrorCode.RebalanceInProgress);
        }
        CancelTimer(group.ClassicSyncTimers, member.MemberId);
        ScheduleSessionTimeout(group, member.MemberId);
        return new SyncGroupResponseData
        {
            ProtocolType = ClassicGroup.ConsumerProtocolType,
            ProtocolName = preferred.Name,
            Assignment = ClassicConsumerProtocol.WriteAssignment(member.AssignedPartitions, ClassicConsumerProtocol.Version(preferred.Metadata), Image),
        };
    }

    private ErrorCode HeartbeatClassicMember(ConsumerGroup group, string memberId, string? groupInstanceId, int generationId)
    {
        var (member, error) = ClassicMember(group, memberId, groupInstanceId);
        if (member is null)
        {
            return error;
        }
        if (generationId != member.MemberEpoch)
        {
            return ErrorCode.IllegalGeneration;
        }
        ScheduleSessionTimeout(group, member.MemberId);
        var mustRejoin = member.MemberEpoch < group.GroupEpoch
            || member.State == MemberState.UnrevokedPartitions
            || (member.State == MemberState.UnreleasedPartitions && !WaitingOnUnreleasedPartition(group, member));
        if (!mustRejoin)
        {
            return ErrorCode.None;
        }
        ScheduleClassicJoinTimeoutIfAbsent(group, member);
        return ErrorCode.RebalanceInProgress;
    }

    /// <summary>Whether a partition of the member's target that it does not own yet is still another member's.</summary>
    private static bool WaitingOnUnreleasedPartition(ConsumerGroup group, ConsumerGroupMember member) =>
        group.TargetOf(member.MemberId).Any(p => !member.AssignedPartitions.Contains(p) && group.PartitionEpoch(p) != -1);

    private LeaveGroupResult LeaveClassicMembers(ConsumerGroup group, IReadOnlyList<MemberIdentity> identities)
    {
        var results = new List<(MemberIdentity, ErrorCode)>();
        var leaving = new Dictionary<string, ConsumerGroupMember>(StringComparer.Ordinal);
        foreach (var identity in identities)
        {
            // KIP-345: an admin may name a static member by its instance id alone.
            var (member, error) = identity is { MemberId.Length: 0, GroupInstanceId: { } instanceId }
                ? ClassicMember(group, group.StaticMember(instanceId)?.MemberId ?? "", instanceId)
                : ClassicMember(group, identity.MemberId, identity.GroupInstanceId);
            if (member is not null)
            {
                leaving[member.MemberId] = member;
                Logger.LogInformation("Classic member {MemberId} left consumer group {Group} (reason: {Reason})", member.MemberId, group.GroupId, identity.Reason ?? "not given");
            }
            results.Add((identity, member is null ? error : ErrorCode.None));
        }
        if (leaving.Count > 0 && FenceMembers(group, leaving.Values) is var fenceError and not ErrorCode.None)
        {
            return new LeaveGroupResult(fenceError, []);
        }
        return new LeaveGroupResult(ErrorCode.None, results);
    }

    /// <summary>The classic member a request names: UNKNOWN_MEMBER_ID for none (or one of the consumer protocol), FENCED_INSTANCE_ID for an instance id another member holds.</summary>
    private static (ConsumerGroupMember? Member, ErrorCode Error) ClassicMember(ConsumerGroup group, string memberId, string? instanceId)
    {
        ConsumerGroupMember? member;
        if (instanceId is null)
        {
            member = group.Members.GetValueOrDefault(memberId);
        }
        else
        {
            member = group.StaticMember(instanceId);
            if (member is not null && member.MemberId != memberId)
            {
                return (null, ErrorCode.FencedInstanceId);
            }
        }
        return member is { UsesClassicProtocol: true } ? (member, ErrorCode.None) : (null, ErrorCode.UnknownMemberId);
    }

    private void ScheduleClassicJoinTimeoutIfAbsent(ConsumerGroup group, ConsumerGroupMember member)
    {
        if (!group.ClassicJoinTimers.ContainsKey(member.MemberId))
        {
            ScheduleClassicTimeout(group, group.ClassicJoinTimers, member.MemberId, member.RebalanceTimeoutMs, "join timeout");
        }
    }

    /// <summary>A classic member that does not send the JoinGroup or SyncGroup it owes within its rebalance timeout is fenced, as Kafka's join and sync timeouts do.</summary>
    private void ScheduleClassicTimeout(ConsumerGroup group, Dictionary<string, ITimer> timers, string memberId, int timeoutMs, string reason)
    {
        CancelTimer(timers, memberId);
        ITimer? timer = null;
        timer = Schedule(Math.Max(0, timeoutMs), () =>
        {
            if (timers.GetValueOrDefault(memberId) is { } current && ReferenceEquals(current, timer))
            {
                timers.Remove(memberId);
                ExpireMember(group.GroupId, memberId, reason);
            }
        });
        timers[memberId] = timer;
    }

    private static void CancelClassicMemberTimeouts(ConsumerGroup group, string memberId)
    {
        CancelTimer(group.ClassicJoinTimers, memberId);
        CancelTimer(group.ClassicSyncTimers, memberId);
    }

    private static void CancelTimer(Dictionary<string, ITimer> timers, string memberId)
    {
        if (timers.Remove(memberId, out var timer))
        {
            timer.Dispose();
        }
    }
}
