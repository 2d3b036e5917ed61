using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

// The classic rebalance protocol: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the timers behind them.
public sealed partial class GroupCoordinatorShard
{
    /// <summary>
    /// JoinGroup. The returned task completes when the join does (the rebalance ends, or at once for an
    /// error, MEMBER_ID_REQUIRED or a static member rejoining a stable group).
    /// </summary>
    public Task<JoinGroupResponseData> Join(JoinGroupParams join)
    {
        if (join.GroupId.Length == 0)
        {
            return JoinError(ErrorCode.InvalidGroupId, join.MemberId);
        }
        var config = Config;
        if (join.SessionTimeoutMs < config.GroupMinSessionTimeoutMs || join.SessionTimeoutMs > config.GroupMaxSessionTimeoutMs)
        {
            return JoinError(ErrorCode.InvalidSessionTimeout, join.MemberId);
        }
        if (_consumerGroups.TryGetValue(join.GroupId, out var consumerGroup))
        {
            // A classic member joins a KIP-848 group with members as a member of it (KIP-848's mixed
            // mode); an empty consumer group becomes a classic one, as in Kafka.
            if (consumerGroup.Members.Count > 0)
            {
                return JoinClassicMember(consumerGroup, join);
            }
            if (RemoveEmptyConsumerGroup(consumerGroup) is var removeError and not ErrorCode.None)
            {
                return JoinError(removeError, join.MemberId);
            }
        }
        var isUnknownMember = join.MemberId.Length == 0;
        if (!_groups.TryGetValue(join.GroupId, out var group))
        {
            if (!isUnknownMember)
            {
                return JoinError(ErrorCode.UnknownMemberId, join.MemberId);
            }
            group = GetOrCreateGroup(join.GroupId);
        }
        if (!group.SupportsProtocols(join.ProtocolType, join.Protocols))
        {
            return JoinError(ErrorCode.InconsistentGroupProtocol, join.MemberId);
        }
        return isUnknownMember ? JoinNewMember(group, join) : JoinKnownMember(group, join);
    }

    private Task<JoinGroupResponseData> JoinNewMember(ClassicGroup group, JoinGroupParams join)
    {
        var memberId = $"{join.GroupInstanceId ?? join.ClientId}-{Guid.NewGuid()}";
        if (join.GroupInstanceId is { } instanceId && group.StaticMembers.TryGetValue(instanceId, out var oldMemberId))
        {
            return RejoinStaticMember(group, group.Members[oldMemberId], memberId, join);
        }
        if (!AcceptJoiningMember(group, memberId))
        {
            return JoinError(ErrorCode.GroupMaxSizeReached, "");
        }
        if (join.GroupInstanceId is null && join.RequireKnownMemberId)
        {
            // KIP-394: the member id is handed out first, so a client that never gets the answer leaves no ghost member behind.
            group.PendingJoinMembers[memberId] = Schedule(join.SessionTimeoutMs, () => ExpirePendingMember(group, memberId));
            return JoinError(ErrorCode.MemberIdRequired, memberId);
        }
        return AddMemberAndRebalance(group, memberId, join);
    }

    /// <summary>
    /// Kafka's acceptJoiningMember for group.max.size: an empty group takes anyone; while a rebalance
    /// prepares, a member already waiting in JoinGroup is in and others count against the members
    /// waiting (those that have not rejoined may still leave); otherwise a member of the group is in
    /// and others count against its size.
    /// </summary>
    private bool AcceptJoiningMember(ClassicGroup group, string memberId) => group.State switch
    {
        ClassicGroupState.Empty or ClassicGroupState.Dead => true,
        ClassicGroupState.PreparingRebalance =>
            (group.Members.TryGetValue(memberId, out var member) && member.AwaitingJoin is not null)
            || group.Members.Values.Count(m => m.AwaitingJoin is not null) < Config.GroupMaxSize,
        _ => group.Members.ContainsKey(memberId) || group.Members.Count < Config.GroupMaxSize,
    };

    private Task<JoinGroupResponseData> JoinKnownMember(ClassicGroup group, JoinGroupParams join)
    {
        if (group.PendingJoinMembers.Remove(join.MemberId, out var pendingTimer))
        {
            pendingTimer.Dispose();
            // The id was handed out while there was room; others may have taken it since (Kafka checks every join).
            return AcceptJoiningMember(group, join.MemberId)
                ? AddMemberAndRebalance(group, join.MemberId, join)
                : JoinError(ErrorCode.GroupMaxSizeReached, "");
        }
        if (group.IsStaticMemberFenced(join.GroupInstanceId, join.MemberId))
        {
            return JoinError(ErrorCode.FencedInstanceId, join.MemberId);
        }
        if (!group.Members.TryGetValue(join.MemberId, out var member))
        {
            return JoinError(ErrorCode.UnknownMemberId, join.MemberId);
        }
        switch (group.State)
        {
            case ClassicGroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(group, member, join, "member rejoined");
            case ClassicGroupState.CompletingRebalance:
                // A retried join (its answer was lost) gets the same answer; changed protocols force a new rebalance.
                return member.Matches(join.Protocols)
                    ? Task.FromResult(JoinAnswer(group, member, group.IsLeader(member.MemberId)))
                    : UpdateMemberAndRebalance(group, member, join, "member changed its protocols");
            case ClassicGroupState.Stable:
                if (group.IsLeader(member.MemberId) || !member.Matches(join.Protocols))
                {
                    // The leader rejoins to rebalance (a subscribed topic changed); a follower with new protocols does too.
                    return UpdateMemberAndRebalance(group, member, join, group.IsLeader(member.MemberId) ? "leader rejoined" : "member changed its protocols");
                }
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
                return Task.FromResult(JoinAnswer(group, member, leaderMembers: false));
            default:
                return JoinError(ErrorCode.UnknownMemberId, join.MemberId);
        }
    }

    /// <summary>
    /// KIP-345: a static member restarting joins without its member id; it takes over its instance id
    /// (the old member id is fenced). In a stable group whose selected protocol its new protocols do not
    /// change, it gets its assignment back without a rebalance, as in Kafka, even when its metadata (a
    /// consumer's subscription) changed: the group stores the new metadata and timeouts.
    /// </summary>
    private Task<JoinGroupResponseData> RejoinStaticMember(ClassicGroup group, GroupMember member, string newMemberId, JoinGroupParams join)
    {
        var oldMemberId = member.MemberId;
        var leaderBefore = group.LeaderId;
        member.AwaitingJoin?.TrySetResult(JoinErrorResponse(ErrorCode.FencedInstanceId, oldMemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync?.TrySetResult(SyncErrorResponse(ErrorCode.FencedInstanceId));
        member.AwaitingSync = null;
        group.ReplaceStaticMemberId(member, newMemberId);
        member.IsNew = false;
        // Kafka restarts the session timer for the new id before it takes the join's timeouts.
        ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
        Logger.LogInformation("Static member {InstanceId} of group {Group} rejoined as {MemberId} (was {OldMemberId})", member.GroupInstanceId, group.GroupId, newMemberId, oldMemberId);
        if (!group.Is(ClassicGroupState.Stable))
        {
            // During CompletingRebalance the leader may already be assigning to the old id: rebalance again.
            return UpdateMemberAndRebalance(group, member, join, "static member rejoined during a rebalance");
        }
        var previous = (member.Protocols, member.RebalanceTimeoutMs, member.SessionTimeoutMs);
        (member.Protocols, member.RebalanceTimeoutMs, member.SessionTimeoutMs) = (join.Protocols, join.RebalanceTimeoutMs, join.SessionTimeoutMs);
        if (group.SelectProtocol() != group.ProtocolName)
        {
            return UpdateMemberAndRebalance(group, member, join, "static member rejoined with protocols that change the group's selected protocol");
        }
        var error = StoreGroup(group);
        if (error != ErrorCode.None)
        {
            (member.Protocols, member.RebalanceTimeoutMs, member.SessionTimeoutMs) = previous;
            group.ReplaceStaticMemberId(member, oldMemberId);
            ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            return JoinError(error, "");
        }
        if (!join.SupportsSkippingAssignment)
        {
            // Before KIP-814 the answer names the leader as it was before this join (for a static leader its
            // old id) with no members, so the member syncs as a follower and keeps the current assignment.
            var asFollower = JoinAnswer(group, member, leaderMembers: false);
            asFollower.Leader = leaderBefore ?? "";
            return Task.FromResult(asFollower);
        }
        // KIP-814: a static leader learns the members but is told to skip the assignment.
        var isLeader = group.IsLeader(newMemberId);
        var answer = JoinAnswer(group, member, leaderMembers: isLeader);
        answer.SkipAssignment = isLeader;
        return Task.FromResult(answer);
    }

    private Task<JoinGroupResponseData> AddMemberAndRebalance(ClassicGroup group, string memberId, JoinGroupParams join)
    {
        var member = new GroupMember(memberId, join.GroupInstanceId, join.ClientId, join.ClientHost, join.RebalanceTimeoutMs, join.SessionTimeoutMs, join.Protocols)
        {
            IsNew = true,
            AwaitingJoin = NewJoinAnswer(),
        };
        if (group.Members.Count == 0)
        {
            group.ProtocolType = join.ProtocolType;
        }
        if (group.Is(ClassicGroupState.PreparingRebalance) && group.InitialDelayActive)
        {
            group.NewMemberAdded = true;
        }
        group.Add(member);
        ScheduleHeartbeat(group, member, NewMemberJoinTimeoutMs);
        var answer = member.AwaitingJoin.Task;
        MaybePrepareRebalance(group, $"new member {memberId} joined");
        TryCompleteJoin(group);
        return answer;
    }

    /// <summary>A known member rejoins: it brings new protocols and timeouts; its client id and host stay those of its first join, as in Kafka.</summary>
    private Task<JoinGroupResponseData> UpdateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinGroupParams join, string reason)
    {
        member.Protocols = join.Protocols;
        member.RebalanceTimeoutMs = join.RebalanceTimeoutMs;
        member.SessionTimeoutMs = join.SessionTimeoutMs;
        // A join that replaces one still waiting: the client gave up on the first.
        member.AwaitingJoin?.TrySetResult(JoinErrorResponse(ErrorCode.RebalanceInProgress, member.MemberId));
        member.AwaitingJoin = NewJoinAnswer();
        var answer = member.AwaitingJoin.Task;
        MaybePrepareRebalance(group, reason);
        TryCompleteJoin(group);
        return answer;
    }

    private void MaybePrepareRebalance(ClassicGroup group, string reason)
    {
        if (group.State is ClassicGroupState.Stable or ClassicGroupState.CompletingRebalance or ClassicGroupState.Empty)
        {
            PrepareRebalance(group, reason);
        }
    }

    private void PrepareRebalance(ClassicGroup group, string reason)
    {
        if (group.Is(ClassicGroupState.CompletingRebalance))
        {
            ResetAndPropagateAssignmentError(group, ErrorCode.RebalanceInProgress);
        }
        CancelRebalanceTimers(group);
        group.PendingSyncMembers.Clear();
        var wasEmpty = group.Is(ClassicGroupState.Empty);
        group.TransitionTo(ClassicGroupState.PreparingRebalance, NowMs);
        if (wasEmpty)
        {
            // group.initial.rebalance.delay.ms: let more members of a starting application arrive before the first
            // assignment. As in Kafka, joins do not end an empty group's first join phase, this timer does (even at
            // 0 ms), so ids still pending (KIP-394) do not hold it.
            var delay = Config.GroupInitialRebalanceDelayMs;
            group.InitialDelayActive = true;
            group.NewMemberAdded = false;
            group.InitialDelayRemainingMs = Math.Max(group.MaxRebalanceTimeoutMs - delay, 0);
            ScheduleJoinTimer(group, delay);
        }
        else
        {
            group.InitialDelayActive = false;
            ScheduleJoinTimer(group, group.MaxRebalanceTimeoutMs);
        }
        Logger.LogInformation("Preparing to rebalance group {Group} in state PreparingRebalance with old generation {Generation} (reason: {Reason})", group.GroupId, group.GenerationId, reason);
    }

    private void ScheduleJoinTimer(ClassicGroup group, long delayMs)
    {
        group.JoinTimer?.Dispose();
        group.JoinTimer = null;
        var epoch = ++group.TimerEpoch;
        if (delayMs <= 0)
        {
            // Due now: runs after the work already queued on the executor, as a timer that expired would.
            Executor.Post(() => OnJoinTimer(group, epoch));
            return;
        }
        group.JoinTimer = Schedule(delayMs, () => OnJoinTimer(group, epoch));
    }

    private void OnJoinTimer(ClassicGroup group, int epoch)
    {
        if (group.TimerEpoch != epoch || !IsCurrent(group) || !group.Is(ClassicGroupState.PreparingRebalance))
        {
            return;
        }
        if (group.InitialDelayActive)
        {
            if (group.NewMemberAdded && group.InitialDelayRemainingMs > 0)
            {
                var delay = Math.Min(Config.GroupInitialRebalanceDelayMs, group.InitialDelayRemainingMs);
                group.NewMemberAdded = false;
                group.InitialDelayRemainingMs -= delay;
                ScheduleJoinTimer(group, delay);
                return;
            }
            group.InitialDelayActive = false;
        }
        CompleteJoin(group);
    }

    private void TryCompleteJoin(ClassicGroup group)
    {
        if (group.Is(ClassicGroupState.PreparingRebalance) && !group.InitialDelayActive && group.HasAllMembersJoined)
        {
            CompleteJoin(group);
        }
    }

    /// <summary>Ends the join phase: drops dynamic members that did not rejoin, starts the next generation and answers every waiting join.</summary>
    private void CompleteJoin(ClassicGroup group)
    {
        group.JoinTimer?.Dispose();
        group.JoinTimer = null;
        group.TimerEpoch++;
        foreach (var member in group.Members.Values.Where(m => m.AwaitingJoin is null && !m.IsStatic).ToList())
        {
            Logger.LogInformation("Member {MemberId} of group {Group} did not rejoin in time: removed", member.MemberId, group.GroupId);
            RemoveMember(group, member, ErrorCode.UnknownMemberId);
        }
        if (!group.MaybeElectNewJoinedLeader() && group.Members.Count > 0)
        {
            // Only static members that have not rejoined: wait another rebalance timeout for them or their session expiry.
            ScheduleJoinTimer(group, group.MaxRebalanceTimeoutMs);
            return;
        }
        var now = NowMs;
        group.GenerationId++;
        if (group.Members.Count == 0)
        {
            group.ProtocolName = null;
            group.SubscribedTopics = new HashSet<string>();
            group.TransitionTo(ClassicGroupState.Empty, now);
            var error = StoreGroup(group, new Dictionary<string, byte[]>());
            if (error != ErrorCode.None)
            {
                Logger.LogWarning("Could not persist empty group {Group} generation {Generation}: {Error}", group.GroupId, group.GenerationId, error);
            }
            Logger.LogInformation("Group {Group} with generation {Generation} is now empty", group.GroupId, group.GenerationId);
            return;
        }
        group.ProtocolName = group.SelectProtocol();
        group.SubscribedTopics = ComputeSubscribedTopics(group);
        group.TransitionTo(ClassicGroupState.CompletingRebalance, now);
        Logger.LogInformation("Stabilized group {Group} generation {Generation} with {Members} members, protocol {Protocol}", group.GroupId, group.GenerationId, group.Members.Count, group.ProtocolName);
        foreach (var member in group.Members.Values)
        {
            if (member.AwaitingJoin is { } waiting)
            {
                waiting.TrySetResult(JoinAnswer(group, member, group.IsLeader(member.MemberId)));
                member.AwaitingJoin = null;
            }
            member.IsNew = false;
            group.PendingSyncMembers.Add(member.MemberId);
            ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
        }
        var epoch = group.TimerEpoch;
        var generation = group.GenerationId;
        group.SyncTimer = Schedule(group.MaxRebalanceTimeoutMs, () => OnSyncTimeout(group, generation, epoch));
    }

    /// <summary>Members that joined a generation but never synced within the rebalance timeout are removed (Kafka's DelayedSync).</summary>
    private void OnSyncTimeout(ClassicGroup group, int generation, int epoch)
    {
        if (group.TimerEpoch != epoch || group.GenerationId != generation || !IsCurrent(group) || group.PendingSyncMembers.Count == 0
            || group.State is not (ClassicGroupState.CompletingRebalance or ClassicGroupState.Stable))
        {
            return;
        }
        foreach (var memberId in group.PendingSyncMembers.ToList())
        {
            if (group.Members.TryGetValue(memberId, out var member))
            {
                Logger.LogInformation("Member {MemberId} of group {Group} did not sync in time: removed", memberId, group.GroupId);
                RemoveMember(group, member, ErrorCode.UnknownMemberId);
            }
        }
        group.PendingSyncMembers.Clear();
        PrepareRebalance(group, "members did not sync in time");
        TryCompleteJoin(group);
    }

    public Task<SyncGroupResponseData> Sync(SyncGroupParams sync)
    {
        if (sync.GroupId.Length == 0)
        {
            return SyncError(ErrorCode.InvalidGroupId);
        }
        if (_consumerGroups.TryGetValue(sync.GroupId, out var consumerGroup))
        {
            return Task.FromResult(SyncClassicMember(consumerGroup, sync));
        }
        if (!_groups.TryGetValue(sync.GroupId, out var group))
        {
            return SyncError(ErrorCode.UnknownMemberId);
        }
        if (group.IsStaticMemberFenced(sync.GroupInstanceId, sync.MemberId))
        {
            return SyncError(ErrorCode.FencedInstanceId);
        }
        if (!group.Members.TryGetValue(sync.MemberId, out var member))
        {
            return SyncError(ErrorCode.UnknownMemberId);
        }
        if (sync.GenerationId != group.GenerationId)
        {
            return SyncError(ErrorCode.IllegalGeneration);
        }
        if ((sync.ProtocolType is not null && sync.ProtocolType != group.ProtocolType) || (sync.ProtocolName is not null && sync.ProtocolName != group.ProtocolName))
        {
            return SyncError(ErrorCode.InconsistentGroupProtocol);
        }
        switch (group.State)
        {
            case ClassicGroupState.PreparingRebalance:
                return SyncError(ErrorCode.RebalanceInProgress);
            case ClassicGroupState.CompletingRebalance:
                member.AwaitingSync?.TrySetResult(SyncErrorResponse(ErrorCode.RebalanceInProgress));
                member.AwaitingSync = new TaskCompletionSource<SyncGroupResponseData>(TaskCreationOptions.RunContinuationsAsynchronously);
                var answer = member.AwaitingSync.Task;
                group.PendingSyncMembers.Remove(member.MemberId);
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
                if (group.IsLeader(member.MemberId))
                {
                    // Members the leader left out get an empty assignment, as in Kafka.
                    var error = StoreGroup(group, sync.Assignments);
                    if (error != ErrorCode.None)
                    {
                        ResetAndPropagateAssignmentError(group, error);
                        MaybePrepareRebalance(group, $"storing the assignment failed: {error}");
                        return answer;
                    }
                    group.TransitionTo(ClassicGroupState.Stable, NowMs);
                    PropagateAssignment(group, ErrorCode.None);
                }
                return answer;
            case ClassicGroupState.Stable:
                group.PendingSyncMembers.Remove(member.MemberId);
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
                return Task.FromResult(SyncAnswer(group, member.Assignment));
            default:
                return SyncError(ErrorCode.UnknownMemberId);
        }
    }

    private void PropagateAssignment(ClassicGroup group, ErrorCode error)
    {
        foreach (var member in group.Members.Values)
        {
            if (member.AwaitingSync is { } waiting)
            {
                waiting.TrySetResult(error == ErrorCode.None ? SyncAnswer(group, member.Assignment) : SyncErrorResponse(error));
                member.AwaitingSync = null;
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            }
        }
    }

    private void ResetAndPropagateAssignmentError(ClassicGroup group, ErrorCode error)
    {
        foreach (var member in group.Members.Values)
        {
            member.Assignment = [];
        }
        PropagateAssignment(group, error);
    }

    public ErrorCode Heartbeat(string groupId, string memberId, string? groupInstanceId, int generationId)
    {
        if (groupId.Length == 0)
        {
            return ErrorCode.InvalidGroupId;
        }
        if (_consumerGroups.TryGetValue(groupId, out var consumerGroup))
        {
            return HeartbeatClassicMember(consumerGroup, memberId, groupInstanceId, generationId);
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (group.IsStaticMemberFenced(groupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }
        if (group.Is(ClassicGroupState.Empty) || !group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (generationId != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }
        ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
        // Consumers may heartbeat between their join and sync answers: that is a normal heartbeat.
        return group.Is(ClassicGroupState.PreparingRebalance) ? ErrorCode.RebalanceInProgress : ErrorCode.None;
    }

    public LeaveGroupResult Leave(string groupId, IReadOnlyList<MemberIdentity> members)
    {
        if (groupId.Length == 0)
        {
            return new LeaveGroupResult(ErrorCode.InvalidGroupId, []);
        }
        if (_consumerGroups.TryGetValue(groupId, out var consumerGroup))
        {
            return LeaveClassicMembers(consumerGroup, members);
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return new LeaveGroupResult(ErrorCode.None, members.Select(m => (m, ErrorCode.UnknownMemberId)).ToList());
        }
        var results = new List<(MemberIdentity, ErrorCode)>();
        foreach (var identity in members)
        {
            results.Add((identity, LeaveOne(group, identity)));
        }
        return new LeaveGroupResult(ErrorCode.None, results);
    }

    private ErrorCode LeaveOne(ClassicGroup group, MemberIdentity identity)
    {
        var memberId = identity.MemberId;
        if (memberId.Length == 0 && identity.GroupInstanceId is { } instanceId)
        {
            // KIP-345: an admin removes a static member by its instance id alone.
            if (!group.StaticMembers.TryGetValue(instanceId, out var current))
            {
                return ErrorCode.UnknownMemberId;
            }
            memberId = current;
        }
        else if (group.IsStaticMemberFenced(identity.GroupInstanceId, memberId))
        {
            return ErrorCode.FencedInstanceId;
        }
        if (group.PendingJoinMembers.Remove(memberId, out var pending))
        {
            pending.Dispose();
            TryCompleteJoin(group);
            return ErrorCode.None;
        }
        if (!group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        Logger.LogInformation("Member {MemberId} left group {Group} (reason: {Reason})", memberId, group.GroupId, identity.Reason ?? "not given");
        RemoveMemberAndUpdateGroup(group, member, ErrorCode.UnknownMemberId);
        return ErrorCode.None;
    }

    private void RemoveMemberAndUpdateGroup(ClassicGroup group, GroupMember member, ErrorCode errorForWaiters)
    {
        RemoveMember(group, member, errorForWaiters);
        switch (group.State)
        {
            case ClassicGroupState.Stable or ClassicGroupState.CompletingRebalance:
                PrepareRebalance(group, $"removing member {member.MemberId}");
                TryCompleteJoin(group);
                break;
            case ClassicGroupState.PreparingRebalance:
                TryCompleteJoin(group);
                break;
        }
    }

    private static void RemoveMember(ClassicGroup group, GroupMember member, ErrorCode errorForWaiters)
    {
        member.AwaitingJoin?.TrySetResult(JoinErrorResponse(errorForWaiters, member.MemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync?.TrySetResult(SyncErrorResponse(errorForWaiters));
        member.AwaitingSync = null;
        member.HeartbeatTimer?.Dispose();
        member.HeartbeatTimer = null;
        group.Remove(member.MemberId);
    }

    private void ScheduleHeartbeat(ClassicGroup group, GroupMember member, long timeoutMs)
    {
        member.HeartbeatDeadlineMs = NowMs + timeoutMs;
        if (member.HeartbeatTimer is null)
        {
            member.HeartbeatTimer = Schedule(timeoutMs, () => OnHeartbeatExpiry(group, member));
        }
        else
        {
            member.HeartbeatTimer.Change(TimeSpan.FromMilliseconds(timeoutMs), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnHeartbeatExpiry(ClassicGroup group, GroupMember member)
    {
        if (!IsCurrent(group) || !group.Members.TryGetValue(member.MemberId, out var current) || !ReferenceEquals(current, member))
        {
            return;
        }
        var now = NowMs;
        if (now < member.HeartbeatDeadlineMs)
        {
            // A heartbeat moved the deadline after this expiry was queued, or the timer ran a little early against the clock.
            member.HeartbeatTimer?.Change(TimeSpan.FromMilliseconds(member.HeartbeatDeadlineMs - now), Timeout.InfiniteTimeSpan);
            return;
        }
        if ((member.AwaitingJoin is not null && !member.IsNew) || member.AwaitingSync is not null)
        {
            // A member blocked in a join or sync cannot heartbeat: the rebalance timers bound it instead.
            ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            return;
        }
        Logger.LogInformation("Member {MemberId} in group {Group} has failed (session timeout), removing it from the group", member.MemberId, group.GroupId);
        RemoveMemberAndUpdateGroup(group, member, ErrorCode.UnknownMemberId);
    }

    private void ExpirePendingMember(ClassicGroup group, string memberId)
    {
        if (!IsCurrent(group) || !group.PendingJoinMembers.Remove(memberId, out var timer))
        {
            return;
        }
        timer.Dispose();
        Logger.LogInformation("Pending member {MemberId} of group {Group} did not join within its session timeout: removed", memberId, group.GroupId);
        // Kafka ends a join phase that waited only for this id at once, even during the initial rebalance delay.
        if (group.Is(ClassicGroupState.PreparingRebalance) && group.HasAllMembersJoined)
        {
            CompleteJoin(group);
        }
    }

    private static TaskCompletionSource<JoinGroupResponseData> NewJoinAnswer() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static JoinGroupResponseData JoinAnswer(ClassicGroup group, GroupMember member, bool leaderMembers)
    {
        var answer = new JoinGroupResponseData
        {
            GenerationId = group.GenerationId,
            ProtocolType = group.ProtocolType,
            ProtocolName = group.ProtocolName,
            Leader = group.LeaderId ?? "",
            MemberId = member.MemberId,
        };
        if (leaderMembers)
        {
            foreach (var other in group.Members.Values)
            {
                answer.Members.Add(new JoinGroupResponseData.JoinGroupResponseMember
                {
                    MemberId = other.MemberId,
                    GroupInstanceId = other.GroupInstanceId,
                    Metadata = other.MetadataFor(group.ProtocolName) ?? [],
                });
            }
        }
        return answer;
    }

    private static JoinGroupResponseData JoinErrorResponse(ErrorCode error, string memberId) => new()
    {
        ErrorCode = (short)error,
        GenerationId = -1,
        ProtocolType = null,
        ProtocolName = null,
        Leader = "",
        MemberId = memberId,
    };

    private static Task<JoinGroupResponseData> JoinError(ErrorCode error, string memberId) => Task.FromResult(JoinErrorResponse(error, memberId));

    private static SyncGroupResponseData SyncAnswer(ClassicGroup group, byte[] assignment) => new()
    {
        ProtocolType = group.ProtocolType,
        ProtocolName = group.ProtocolName,
        Assignment = assignment,
    };

    private static SyncGroupResponseData SyncErrorResponse(ErrorCode error) => new() { ErrorCode = (short)error, Assignment = Array.Empty<byte>() };

    private static Task<SyncGroupResponseData> SyncError(ErrorCode error) => Task.FromResult(SyncErrorResponse(error));
}
