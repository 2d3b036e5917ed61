using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// A classic group: its state machine position, members and committed offsets. Owned by one
/// <see cref="GroupCoordinatorShard"/> and touched only on that shard's executor. The fields also found in
/// <c>__consumer_offsets</c> (generation, protocol, leader, member assignments, offsets) change only by replaying
/// records; the rest (state, pending joins, timers) is transient, as in Kafka.
/// </summary>
public sealed class ClassicGroup(string groupId, long nowMs)
{
    public const string ConsumerProtocolType = "consumer";

    public string GroupId { get; } = groupId;

    public ClassicGroupState State { get; private set; } = ClassicGroupState.Empty;

    /// <summary>When the group entered its current state (persisted as currentStateTimestamp; offset retention of empty groups counts from it).</summary>
    public long CurrentStateTimestampMs { get; set; } = nowMs;

    public int GenerationId { get; set; }

    public string? ProtocolType { get; set; }

    public string? ProtocolName { get; set; }

    public string? LeaderId { get; set; }

    /// <summary>Members in join order (leader election and the leader's member list follow it).</summary>
    public Dictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>group.instance.id -> member id (KIP-345).</summary>
    public Dictionary<string, string> StaticMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED (KIP-394) whose owners have not joined with them yet.</summary>
    public Dictionary<string, ITimer> PendingJoinMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Members of the current generation that have not sent SyncGroup yet.</summary>
    public HashSet<string> PendingSyncMembers { get; } = new(StringComparer.Ordinal);

    public Dictionary<TopicPartition, OffsetAndMetadata> Offsets { get; } = [];

    /// <summary>Topics the members subscribe to (consumer protocol), null when unknown (then every topic counts as subscribed).</summary>
    public IReadOnlySet<string>? SubscribedTopics { get; set; }

    /// <summary>During an empty group's first rebalance: group.initial.rebalance.delay.ms is being applied.</summary>
    public bool InitialDelayActive { get; set; }

    public int InitialDelayRemainingMs { get; set; }

    public bool NewMemberAdded { get; set; }

    public ITimer? JoinTimer { get; set; }

    public ITimer? SyncTimer { get; set; }

    /// <summary>Bumped whenever the join or sync timer is replaced, so a callback already queued for an old timer does nothing.</summary>
    public int TimerEpoch { get; set; }

    public bool Is(ClassicGroupState state) => State == state;

    public void TransitionTo(ClassicGroupState state, long nowMs)
    {
        if (!ClassicGroupStates.CanTransition(State, state))
        {
            throw new InvalidOperationException($"group {GroupId} cannot go from {State} to {state}");
        }
        State = state;
        CurrentStateTimestampMs = nowMs;
    }

    /// <summary>Sets the state of a group rebuilt from its records at load time (Stable with members, Empty without).</summary>
    public void LoadedAs(ClassicGroupState state) => State = state;

    public int MaxRebalanceTimeoutMs => Members.Count == 0 ? 0 : Members.Values.Max(m => m.RebalanceTimeoutMs);

    public bool HasAllMembersJoined => Members.Values.All(m => m.AwaitingJoin is not null) && PendingJoinMembers.Count == 0;

    public bool IsLeader(string memberId) => LeaderId == memberId;

    /// <summary>A static member's instance id is taken by another member id: the caller is an old incarnation (FENCED_INSTANCE_ID).</summary>
    public bool IsStaticMemberFenced(string? groupInstanceId, string memberId) =>
        groupInstanceId is not null && StaticMembers.TryGetValue(groupInstanceId, out var current) && current != memberId;

    public void Add(GroupMember member)
    {
        Members[member.MemberId] = member;
        if (member.GroupInstanceId is { } instance)
        {
            StaticMembers[instance] = member.MemberId;
        }
        LeaderId ??= member.MemberId;
    }

    public void Remove(string memberId)
    {
        if (!Members.Remove(memberId, out var member))
        {
            return;
        }
        if (member.GroupInstanceId is { } instance && StaticMembers.GetValueOrDefault(instance) == memberId)
        {
            StaticMembers.Remove(instance);
        }
        PendingSyncMembers.Remove(memberId);
        if (LeaderId == memberId)
        {
            LeaderId = Members.Keys.FirstOrDefault();
        }
    }

    /// <summary>Gives a static member its new member id (KIP-345: a restarted static member joins without one).</summary>
    public void ReplaceStaticMemberId(GroupMember member, string newMemberId)
    {
        var oldMemberId = member.MemberId;
        Members.Remove(oldMemberId);
        member.MemberId = newMemberId;
        Members[newMemberId] = member;
        StaticMembers[member.GroupInstanceId!] = newMemberId;
        if (PendingSyncMembers.Remove(oldMemberId))
        {
            PendingSyncMembers.Add(newMemberId);
        }
        if (LeaderId == oldMemberId)
        {
            LeaderId = newMemberId;
        }
    }

    /// <summary>
    /// A join may only name protocols the group can still agree on: any non-empty set for a group
    /// without members, otherwise the same protocol type and at least one protocol every member supports.
    /// </summary>
    public bool SupportsProtocols(string protocolType, IReadOnlyList<MemberProtocol> protocols)
    {
        if (Members.Count == 0)
        {
            return protocolType.Length > 0 && protocols.Count > 0;
        }
        if (ProtocolType != protocolType)
        {
            return false;
        }
        var candidates = CandidateProtocols();
        return protocols.Any(p => candidates.Contains(p.Name));
    }

    /// <summary>Protocols every member supports.</summary>
    public HashSet<string> CandidateProtocols()
    {
        HashSet<string>? common = null;
        foreach (var member in Members.Values)
        {
            var names = member.Protocols.Select(p => p.Name);
            if (common is null)
            {
                common = new HashSet<string>(names, StringComparer.Ordinal);
            }
            else
            {
                common.IntersectWith(names);
            }
        }
        return common ?? [];
    }

    /// <summary>Kafka's vote: each member votes for its most preferred candidate; the most votes win (ties go to the earliest member's preference).</summary>
    public string SelectProtocol()
    {
        var candidates = CandidateProtocols();
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException($"group {GroupId} has no protocol every member supports");
        }
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var member in Members.Values)
        {
            var vote = member.Protocols.First(p => candidates.Contains(p.Name)).Name;
            if (!votes.TryAdd(vote, 1))
            {
                votes[vote]++;
            }
            else
            {
                order.Add(vote);
            }
        }
        return order.OrderByDescending(p => votes[p]).First();
    }

    /// <summary>The leader of a new generation must be a member that rejoined; false when none did.</summary>
    public bool MaybeElectNewJoinedLeader()
    {
        if (LeaderId is { } leader && Members.TryGetValue(leader, out var current) && current.AwaitingJoin is not null)
        {
            return true;
        }
        var joined = Members.Values.FirstOrDefault(m => m.AwaitingJoin is not null);
        if (joined is null)
        {
            return false;
        }
        LeaderId = joined.MemberId;
        return true;
    }

    public bool IsSubscribedToTopic(string topic) => SubscribedTopics is not { } topics || topics.Contains(topic);
}
