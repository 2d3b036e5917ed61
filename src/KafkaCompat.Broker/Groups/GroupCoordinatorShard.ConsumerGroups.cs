using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// KIP-848 consumer groups: ConsumerGroupHeartbeat as Kafka's GroupMetadataManager serves it. A
/// heartbeat (1) creates or updates the member, bumping the group epoch when its subscription or
/// the subscribed topics changed; (2) computes a new target assignment when the group epoch passed
/// the target's; (3) moves the member one reconciliation step toward its target. Each step only
/// produces records; the state changes when they are replayed.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>The server-side assignors, the first being the default (Kafka's <c>group.consumer.assignors</c> default order).</summary>
    public static readonly IReadOnlyList<IConsumerGroupAssignor> Assignors = [new UniformAssignor(), new RangeAssignor()];

    private readonly Dictionary<string, ConsumerGroup> _consumerGroups = new(StringComparer.Ordinal);

    /// <summary>For tests and describing: the consumer group, if this shard has it.</summary>
    public ConsumerGroup? FindConsumerGroup(string groupId) => _consumerGroups.GetValueOrDefault(groupId);

    public IEnumerable<ConsumerGroup> ConsumerGroups => _consumerGroups.Values;

    /// <summary>The consumer groups for ListGroups (protocol type "consumer", Kafka's state names), those in <paramref name="states"/> (case-insensitive) when given.</summary>
    public IReadOnlyList<ListedGroup> ListConsumerGroups(IReadOnlySet<string>? states) =>
        _consumerGroups.Values
            .Where(g => states is null || states.Contains(g.State.ToString()))
            .Select(g => new ListedGroup(g.GroupId, ClassicGroup.ConsumerProtocolType, g.State.ToString(), ListedGroup.ConsumerType))
            .ToList();

    /// <summary>ConsumerGroupHeartbeat: a join (epoch 0), a heartbeat, or a leave (-1, or -2 for a static member meaning to return).</summary>
    public ConsumerGroupHeartbeatResponseData ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequestData request, short version, string clientId, string clientHost, MetadataImage image)
    {
        try
        {
            ValidateHeartbeat(request, version);
            return request.MemberEpoch is ConsumerGroup.LeaveGroupMemberEpoch or ConsumerGroup.LeaveGroupStaticMemberEpoch
                ? LeaveConsumerGroup(request)
                : HeartbeatConsumerGroup(request, clientId, clientHost, image);
        }
        catch (ConsumerGroupException e)
        {
            return new ConsumerGroupHeartbeatResponseData { ErrorCode = (short)e.Error, ErrorMessage = e.Message };
        }
    }

    /// <summary>Kafka's request checks, all INVALID_REQUEST but an unknown assignor (UNSUPPORTED_ASSIGNOR).</summary>
    private static void ValidateHeartbeat(ConsumerGroupHeartbeatRequestData request, short version)
    {
        static void Invalid(string message) => throw new ConsumerGroupException(ErrorCode.InvalidRequest, message);
        if (string.IsNullOrEmpty(request.GroupId))
        {
            Invalid("GroupId can't be empty.");
        }
        if (request.InstanceId is "")
        {
            Invalid("InstanceId can't be empty.");
        }
        if (request.RackId is "")
        {
            Invalid("RackId can't be empty.");
        }
        // Version 1 (KIP-1082): the client generates its member id, so it is never empty.
        if (version >= 1 && request.MemberId.Length == 0)
        {
            Invalid("MemberId can't be empty.");
        }
        if (request.MemberEpoch > 0 || request.MemberEpoch == ConsumerGroup.LeaveGroupMemberEpoch)
        {
            if (request.MemberId.Length == 0)
            {
                Invalid("MemberId can't be empty.");
            }
        }
        else if (request.MemberEpoch == 0)
        {
            if (request.RebalanceTimeoutMs == -1)
            {
                Invalid("RebalanceTimeoutMs must be provided in first request.");
            }
            if (request.TopicPartitions is not { Count: 0 })
            {
                Invalid("TopicPartitions must be empty when (re-)joining.");
            }
            if (request.SubscribedTopicNames is null && request.SubscribedTopicRegex is null)
            {
                Invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
            }
        }
        else if (request.MemberEpoch == ConsumerGroup.LeaveGroupStaticMemberEpoch)
        {
            if (request.InstanceId is null)
            {
                Invalid("InstanceId can't be null.");
            }
        }
        else
        {
            Invalid($"MemberEpoch is invalid: {request.MemberEpoch}.");
        }
        // Regular-expression subscriptions (KIP-848 with RE2/J semantics) are not served yet. An empty
        // one is no regex: librdkafka 2.15.1 sends "" with a subscription by names.
        if (request.SubscribedTopicRegex is { Length: > 0 })
        {
            Invalid("SubscribedTopicRegex is not supported yet.");
        }
        if (request.ServerAssignor is { } assignor && Assignors.All(a => a.Name != assignor))
        {
            throw new ConsumerGroupException(ErrorCode.UnsupportedAssignor,
                $"ServerAssignor {assignor} is not supported. Supported assignors: {string.Join(", ", Assignors.Select(a => a.Name))}.");
        }
    }

    private ConsumerGroup ConsumerGroupOrThrow(string groupId, bool createIfMissing)
    {
        if (_consumerGroups.TryGetValue(groupId, out var group))
        {
            return group;
        }
        // A classic group with members is not a consumer group (online migration, KIP-848's, is not served yet);
        // a simple group (offsets only) or an empty one may become one, as in Kafka.
        if (_groups.TryGetValue(groupId, out var classic) && classic.Members.Count > 0)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Group {groupId} is not a consumer group.");
        }
        if (!createIfMissing)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Consumer group {groupId} not found.");
        }
        return new ConsumerGroup(groupId);
    }

    private ConsumerGroupHeartbeatResponseData HeartbeatConsumerGroup(ConsumerGroupHeartbeatRequestData request, string clientId, string clientHost, MetadataImage image)
    {
        var joining = request.MemberEpoch == 0;
        var group = ConsumerGroupOrThrow(request.GroupId, joining);
        var records = new List<CoordinatorRecord>();
        var memberId = request.MemberId.Length == 0 ? Uuid.NewRandom().ToString() : request.MemberId;
        var owned = request.TopicPartitions is null ? null : PartitionAssignment.From(request.TopicPartitions, t => t.TopicId, t => t.Partitions);
        var member = request.InstanceId is null
            ? DynamicMember(group, memberId, request.MemberEpoch, owned)
            : StaticMember(group, memberId, request.MemberEpoch, request.InstanceId, owned, records);

        var updated = member with
        {
            InstanceId = request.InstanceId ?? member.InstanceId,
            RackId = request.RackId ?? member.RackId,
            RebalanceTimeoutMs = request.RebalanceTimeoutMs != -1 ? request.RebalanceTimeoutMs : member.RebalanceTimeoutMs,
            ServerAssignor = request.ServerAssignor ?? member.ServerAssignor,
            SubscribedTopicNames = request.SubscribedTopicNames is { } names ? [.. names] : member.SubscribedTopicNames,
            SubscribedTopicRegex = request.SubscribedTopicRegex ?? member.SubscribedTopicRegex,
            ClientId = clientId,
            ClientHost = clientHost,
        };

        // 1. The member and the group epoch. A static member taking over its instance id's assignment is no new member.
        var previousId = updated.InstanceId is { } instance && group.StaticMember(instance) is { } holder ? holder.MemberId : updated.MemberId;
        var isNew = !group.Members.ContainsKey(previousId);
        var existing = group.Members.GetValueOrDefault(updated.MemberId);
        if (existing is null || !existing.SameMetadata(updated))
        {
            records.Add(new CoordinatorRecord.ConsumerGroupMemberMetadata(group.GroupId, updated.MemberId, MemberMetadataValue(updated)));
        }
        var bumpEpoch = isNew || !member.SameSubscription(updated);
        var groupEpoch = group.GroupEpoch;
        var members = group.Members.Values.Where(m => m.MemberId != updated.MemberId && m.MemberId != previousId).Append(updated).ToList();
        var metadata = SubscriptionMetadata(members, image);
        if (!SameMetadata(metadata, group.SubscriptionMetadata))
        {
            records.Add(new CoordinatorRecord.ConsumerGroupPartitionMetadata(group.GroupId, PartitionMetadataValue(metadata)));
            bumpEpoch = true;
        }
        if (bumpEpoch)
        {
            groupEpoch++;
            records.Add(new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, new ConsumerGroupMetadataValue { Epoch = groupEpoch }));
        }

        // 2. The target assignment.
        var targetEpoch = group.AssignmentEpoch;
        var target = group.TargetOf(previousId);
        if (groupEpoch > group.AssignmentEpoch)
        {
            var assignment = ComputeTargetAssignment(group, members, metadata, updated.MemberId, previousId);
            foreach (var (id, partitions) in assignment)
            {
                var previous = id == updated.MemberId ? group.TargetOf(previousId) : group.TargetOf(id);
                if (!partitions.SetEquals(previous) || !group.TargetAssignment.ContainsKey(id))
                {
                    records.Add(new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(group.GroupId, id, TargetValue(partitions)));
                }
            }
            records.Add(new CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata(group.GroupId, new ConsumerGroupTargetAssignmentMetadataValue { AssignmentEpoch = groupEpoch }));
            targetEpoch = groupEpoch;
            target = assignment.GetValueOrDefault(updated.MemberId) ?? PartitionAssignment.Empty;
        }

        // 3. Reconciliation.
        var reconciled = CurrentAssignmentBuilder.Reconcile(updated, targetEpoch, target, p => PartitionEpochExcept(group, p, previousId), owned);
        if (existing is null || !reconciled.SameAssignment(existing))
        {
            records.Add(new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(group.GroupId, reconciled.MemberId, CurrentAssignmentValue(reconciled)));
        }

        var error = WriteConsumerGroupRecords(records);
        if (error != ErrorCode.None)
        {
            return new ConsumerGroupHeartbeatResponseData { ErrorCode = (short)error };
        }
        var live = _consumerGroups[group.GroupId];
        ScheduleSessionTimeout(live, reconciled.MemberId);
        MaybeScheduleRebalanceTimeout(live, reconciled);

        var response = new ConsumerGroupHeartbeatResponseData
        {
            MemberId = reconciled.MemberId,
            MemberEpoch = reconciled.MemberEpoch,
            HeartbeatIntervalMs = GroupConfigOf(group.GroupId).ConsumerHeartbeatIntervalMs,
        };
        // Kafka sends the assignment to a full request (a join, or a heartbeat with every field set, which clients send after an error) or when it changed.
        var fullRequest = joining || (request.RebalanceTimeoutMs != -1 && request.SubscribedTopicNames is not null && request.TopicPartitions is not null);
        if (fullRequest || !reconciled.AssignedPartitions.SetEquals(member.AssignedPartitions))
        {
            response.Assignment = new ConsumerGroupHeartbeatResponseData.AssignmentData
            {
                TopicPartitions = PartitionAssignment.ToTopics(reconciled.AssignedPartitions,
                    (id, partitions) => new ConsumerGroupHeartbeatResponseData.TopicPartitions { TopicId = id, Partitions = partitions }),
            };
        }
        return response;
    }

    /// <summary>The member a dynamic member's heartbeat is about: a new one on epoch 0, else the existing one with its epoch checked.</summary>
    private static ConsumerGroupMember DynamicMember(ConsumerGroup group, string memberId, int memberEpoch, IReadOnlySet<TopicIdPartition>? owned)
    {
        if (group.Members.TryGetValue(memberId, out var member))
        {
            if (memberEpoch != 0)
            {
                CheckMemberEpoch(member, memberEpoch, owned);
            }
            return member;
        }
        if (memberEpoch != 0)
        {
            throw new ConsumerGroupException(ErrorCode.UnknownMemberId, $"Member {memberId} is not a member of group {group.GroupId}.");
        }
        return new ConsumerGroupMember(memberId);
    }

    /// <summary>
    /// A static member (KIP-345 carried into KIP-848): joining with an instance id another live member
    /// holds is UNRELEASED_INSTANCE_ID; joining with one whose holder left with epoch -2 takes over its
    /// assignment and epoch under the new member id (the old member's records are tombstoned).
    /// </summary>
    private static ConsumerGroupMember StaticMember(ConsumerGroup group, string memberId, int memberEpoch, string instanceId,
        IReadOnlySet<TopicIdPartition>? owned, List<CoordinatorRecord> records)
    {
        var holder = group.StaticMember(instanceId);
        if (memberEpoch == 0)
        {
            if (holder is null)
            {
                return new ConsumerGroupMember(memberId) { InstanceId = instanceId };
            }
            if (holder.MemberEpoch != ConsumerGroup.LeaveGroupStaticMemberEpoch)
            {
                throw new ConsumerGroupException(ErrorCode.UnreleasedInstanceId,
                    $"Static member {holder.MemberId} with instance id {instanceId} is not released yet.");
            }
            if (holder.MemberId == memberId)
            {
                return holder with { MemberEpoch = holder.PreviousMemberEpoch };
            }
            records.AddRange(MemberTombstones(group.GroupId, holder.MemberId));
            records.Add(new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(group.GroupId, memberId, TargetValue(group.TargetOf(holder.MemberId))));
            return holder with { MemberId = memberId, MemberEpoch = holder.PreviousMemberEpoch };
        }
        if (holder is null)
        {
            throw new ConsumerGroupException(ErrorCode.UnknownMemberId, $"Instance id {instanceId} is unknown in group {group.GroupId}.");
        }
        if (holder.MemberId != memberId)
        {
            throw new ConsumerGroupException(ErrorCode.FencedInstanceId, $"Instance id {instanceId} belongs to member {holder.MemberId}, not {memberId}.");
        }
        CheckMemberEpoch(holder, memberEpoch, owned);
        return holder;
    }

    /// <summary>
    /// Kafka's epoch check: an epoch ahead of the member's is fenced; one behind is accepted only as
    /// the previous epoch with owned partitions all still assigned (a lost answer the client retries).
    /// </summary>
    private static void CheckMemberEpoch(ConsumerGroupMember member, int received, IReadOnlySet<TopicIdPartition>? owned)
    {
        if (received > member.MemberEpoch)
        {
            throw new ConsumerGroupException(ErrorCode.FencedMemberEpoch,
                $"The consumer group member has a greater member epoch ({received}) than the one known by the group coordinator ({member.MemberEpoch}). The member must abandon all its partitions and rejoin.");
        }
        if (received < member.MemberEpoch && (received != member.PreviousMemberEpoch || owned is null || !owned.IsSubsetOf(member.AssignedPartitions)))
        {
            throw new ConsumerGroupException(ErrorCode.FencedMemberEpoch,
                $"The consumer group member has a smaller member epoch ({received}) than the one known by the group coordinator ({member.MemberEpoch}). The member must abandon all its partitions and rejoin.");
        }
    }

    /// <summary>A partition's owner epoch, ignoring the member itself (a static member taking over its former id's partitions).</summary>
    private static int PartitionEpochExcept(ConsumerGroup group, TopicIdPartition partition, string memberId) =>
        group.Members.TryGetValue(memberId, out var self) && (self.AssignedPartitions.Contains(partition) || self.PartitionsPendingRevocation.Contains(partition))
            ? -1
            : group.PartitionEpoch(partition);

    private IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> ComputeTargetAssignment(ConsumerGroup group, List<ConsumerGroupMember> members,
        ImmutableDictionary<string, SubscribedTopic> metadata, string memberId, string replacedMemberId)
    {
        var assignor = PreferredAssignor(members);
        var inputs = members.Select(m => new AssignorMember(
            m.MemberId,
            m.SubscribedTopicNames.Where(metadata.ContainsKey).Select(t => metadata[t].TopicId).ToHashSet(),
            m.MemberId == memberId ? group.TargetOf(replacedMemberId) : group.TargetOf(m.MemberId))).ToList();
        return assignor.Assign(inputs, metadata.Values.ToDictionary(t => t.TopicId, t => t.NumPartitions));
    }

    /// <summary>The group's assignor: the one most members ask for (Kafka's choice), else the default.</summary>
    private static IConsumerGroupAssignor PreferredAssignor(IEnumerable<ConsumerGroupMember> members)
    {
        var assignorName = members.Where(m => m.ServerAssignor is not null).GroupBy(m => m.ServerAssignor!)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
        return Assignors.FirstOrDefault(a => a.Name == assignorName) ?? Assignors[0];
    }

    private static ImmutableDictionary<string, SubscribedTopic> SubscriptionMetadata(IEnumerable<ConsumerGroupMember> members, MetadataImage image)
    {
        var result = ImmutableDictionary.CreateBuilder<string, SubscribedTopic>(StringComparer.Ordinal);
        foreach (var name in members.SelectMany(m => m.SubscribedTopicNames).Distinct())
        {
            if (image.Topic(name) is { } topic)
            {
                result[name] = new SubscribedTopic(topic.Id, name, topic.Partitions.Length);
            }
        }
        return result.ToImmutable();
    }

    private static bool SameMetadata(ImmutableDictionary<string, SubscribedTopic> a, ImmutableDictionary<string, SubscribedTopic> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);

    /// <summary>ConsumerGroupHeartbeat with epoch -1 (leave) or -2 (a static member leaving for a while: it keeps its assignment until its session times out).</summary>
    private ConsumerGroupHeartbeatResponseData LeaveConsumerGroup(ConsumerGroupHeartbeatRequestData request)
    {
        var group = ConsumerGroupOrThrow(request.GroupId, createIfMissing: false);
        ConsumerGroupMember member;
        if (request.InstanceId is null)
        {
            member = group.Members.GetValueOrDefault(request.MemberId)
                ?? throw new ConsumerGroupException(ErrorCode.UnknownMemberId, $"Member {request.MemberId} is not a member of group {group.GroupId}.");
        }
        else
        {
            member = group.StaticMember(request.InstanceId)
                ?? throw new ConsumerGroupException(ErrorCode.UnknownMemberId, $"Instance id {request.InstanceId} is unknown in group {group.GroupId}.");
            if (member.MemberId != request.MemberId)
            {
                throw new ConsumerGroupException(ErrorCode.FencedInstanceId, $"Instance id {request.InstanceId} belongs to member {member.MemberId}, not {request.MemberId}.");
            }
        }
        ErrorCode error;
        if (request.MemberEpoch == ConsumerGroup.LeaveGroupStaticMemberEpoch)
        {
            var left = member with { MemberEpoch = ConsumerGroup.LeaveGroupStaticMemberEpoch, PreviousMemberEpoch = member.MemberEpoch };
            error = WriteConsumerGroupRecords([new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(group.GroupId, member.MemberId, CurrentAssignmentValue(left))]);
            CancelRebalanceTimeout(group, member.MemberId);
            // The leave is its last heartbeat: the instance may come back within a session from now.
            ScheduleSessionTimeout(group, member.MemberId);
        }
        else
        {
            error = FenceMember(group, member);
        }
        return error != ErrorCode.None
            ? new ConsumerGroupHeartbeatResponseData { ErrorCode = (short)error }
            : new ConsumerGroupHeartbeatResponseData { MemberId = request.MemberId, MemberEpoch = request.MemberEpoch };
    }

    /// <summary>Removes a member (left, or its session or rebalance timeout expired): its records tombstoned, the group epoch bumped so the others get its partitions.</summary>
    private ErrorCode FenceMember(ConsumerGroup group, ConsumerGroupMember member)
    {
        var records = new List<CoordinatorRecord>(MemberTombstones(group.GroupId, member.MemberId));
        var remaining = group.Members.Values.Where(m => m.MemberId != member.MemberId).ToList();
        var stillSubscribed = remaining.SelectMany(m => m.SubscribedTopicNames).ToHashSet(StringComparer.Ordinal);
        var metadata = group.SubscriptionMetadata.Where(kv => stillSubscribed.Contains(kv.Key)).ToImmutableDictionary(StringComparer.Ordinal);
        if (!SameMetadata(metadata, group.SubscriptionMetadata))
        {
            records.Add(new CoordinatorRecord.ConsumerGroupPartitionMetadata(group.GroupId, PartitionMetadataValue(metadata)));
        }
        records.Add(new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, new ConsumerGroupMetadataValue { Epoch = group.GroupEpoch + 1 }));
        CancelSessionTimeout(group, member.MemberId);
        CancelRebalanceTimeout(group, member.MemberId);
        return WriteConsumerGroupRecords(records);
    }

    /// <summary>Deletes a consumer group without members: its target-assignment epoch, partition metadata and group epoch tombstoned (its offsets stay).</summary>
    private ErrorCode RemoveEmptyConsumerGroup(ConsumerGroup group) => WriteConsumerGroupRecords(
    [
        new CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata(group.GroupId, null),
        new CoordinatorRecord.ConsumerGroupPartitionMetadata(group.GroupId, null),
        new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, null),
    ]);

    /// <summary>Kafka's order for removing a member: current assignment, target assignment, then subscription.</summary>
    private static IEnumerable<CoordinatorRecord> MemberTombstones(string groupId, string memberId) =>
    [
        new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(groupId, memberId, null),
        new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(groupId, memberId, null),
        new CoordinatorRecord.ConsumerGroupMemberMetadata(groupId, memberId, null),
    ];

    private ErrorCode WriteConsumerGroupRecords(IReadOnlyList<CoordinatorRecord> records) =>
        Write(records.Select(CoordinatorRecordSerde.ConsumerGroupRecord).ToList());

    private void ScheduleSessionTimeout(ConsumerGroup group, string memberId)
    {
        CancelSessionTimeout(group, memberId);
        group.SessionTimers[memberId] = Schedule(GroupConfigOf(group.GroupId).ConsumerSessionTimeoutMs, () => ExpireMember(group.GroupId, memberId, "session timeout"));
    }

    private static void CancelSessionTimeout(ConsumerGroup group, string memberId)
    {
        if (group.SessionTimers.Remove(memberId, out var timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>A member that must revoke partitions has its rebalance timeout to do so, or it is fenced (Kafka's rebalance timeout of KIP-848).</summary>
    private void MaybeScheduleRebalanceTimeout(ConsumerGroup group, ConsumerGroupMember member)
    {
        if (member.State != MemberState.UnrevokedPartitions)
        {
            CancelRebalanceTimeout(group, member.MemberId);
            return;
        }
        if (group.RebalanceTimers.ContainsKey(member.MemberId))
        {
            return;
        }
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

    /// <summary>
    /// OffsetCommit to a consumer group (v9+ carries the member epoch where the generation was):
    /// without members, a commit with no epoch is an admin's and always accepted; otherwise the member
    /// must exist (UNKNOWN_MEMBER_ID) at exactly its epoch: a later epoch is FENCED_MEMBER_EPOCH, an
    /// earlier one STALE_MEMBER_EPOCH (the client refreshes its epoch and retries), as in Kafka.
    /// </summary>
    private static ErrorCode ValidateConsumerGroupCommit(ConsumerGroup group, string memberId, int memberEpoch)
    {
        if (memberEpoch < 0 && group.Members.Count == 0)
        {
            return ErrorCode.None;
        }
        if (!group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        return memberEpoch > member.MemberEpoch ? ErrorCode.FencedMemberEpoch
            : memberEpoch < member.MemberEpoch ? ErrorCode.StaleMemberEpoch
            : ErrorCode.None;
    }

    /// <summary>OffsetFetch by a consumer-group member (v9+): an admin (no member id, no epoch) is not checked; a member must exist at its current epoch (STALE_MEMBER_EPOCH otherwise).</summary>
    private static ErrorCode ValidateConsumerGroupFetch(ConsumerGroup group, string? memberId, int memberEpoch)
    {
        if (memberEpoch < 0 && memberId is null)
        {
            return ErrorCode.None;
        }
        if (memberId is null || !group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        return memberEpoch != member.MemberEpoch ? ErrorCode.StaleMemberEpoch : ErrorCode.None;
    }

    /// <summary>Applies a consumer-group record; false when the record is of another kind.</summary>
    private bool ReplayConsumerGroup(CoordinatorRecord? record)
    {
        switch (record)
        {
            case CoordinatorRecord.ConsumerGroupMetadata { Value: { } value } r:
                GetOrCreateConsumerGroup(r.GroupId).GroupEpoch = value.Epoch;
                return true;
            case CoordinatorRecord.ConsumerGroupMetadata r:
                if (_consumerGroups.Remove(r.GroupId, out var removed))
                {
                    StopConsumerGroupTimers(removed);
                    removed.IsDead = true;
                }
                return true;
            case CoordinatorRecord.ConsumerGroupPartitionMetadata r:
                if (r.Value is { } partitions)
                {
                    GetOrCreateConsumerGroup(r.GroupId).SubscriptionMetadata = partitions.Topics
                        .ToImmutableDictionary(t => t.TopicName, t => new SubscribedTopic(t.TopicId, t.TopicName, t.NumPartitions), StringComparer.Ordinal);
                }
                else if (_consumerGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.SubscriptionMetadata = ImmutableDictionary<string, SubscribedTopic>.Empty;
                }
                return true;
            case CoordinatorRecord.ConsumerGroupMemberMetadata { Value: { } value } r:
            {
                var group = GetOrCreateConsumerGroup(r.GroupId);
                var member = group.Members.GetValueOrDefault(r.MemberId) ?? new ConsumerGroupMember(r.MemberId);
                group.Members[r.MemberId] = member with
                {
                    InstanceId = value.InstanceId,
                    RackId = value.RackId,
                    ClientId = value.ClientId,
                    ClientHost = value.ClientHost,
                    SubscribedTopicNames = [.. value.SubscribedTopicNames],
                    SubscribedTopicRegex = value.SubscribedTopicRegex,
                    RebalanceTimeoutMs = value.RebalanceTimeoutMs,
                    ServerAssignor = value.ServerAssignor,
                };
                return true;
            }
            case CoordinatorRecord.ConsumerGroupMemberMetadata r:
                if (_consumerGroups.TryGetValue(r.GroupId, out var withMember) && withMember.Members.TryGetValue(r.MemberId, out var gone))
                {
                    withMember.RemoveMember(gone);
                    CancelSessionTimeout(withMember, r.MemberId);
                    CancelRebalanceTimeout(withMember, r.MemberId);
                }
                return true;
            case CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata r:
                if (r.Value is { } target)
                {
                    GetOrCreateConsumerGroup(r.GroupId).AssignmentEpoch = target.AssignmentEpoch;
                }
                else if (_consumerGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.AssignmentEpoch = 0;
                }
                return true;
            case CoordinatorRecord.ConsumerGroupTargetAssignmentMember r:
                if (r.Value is { } assignment)
                {
                    GetOrCreateConsumerGroup(r.GroupId).TargetAssignment[r.MemberId] = PartitionAssignment.From(assignment.TopicPartitions, t => t.TopicId, t => t.Partitions);
                }
                else if (_consumerGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.TargetAssignment.Remove(r.MemberId);
                }
                return true;
            case CoordinatorRecord.ConsumerGroupCurrentMemberAssignment { Value: { } value } r:
            {
                var group = GetOrCreateConsumerGroup(r.GroupId);
                var old = group.Members.GetValueOrDefault(r.MemberId);
                group.UpdateAssignment(old, (old ?? new ConsumerGroupMember(r.MemberId)) with
                {
                    MemberEpoch = value.MemberEpoch,
                    PreviousMemberEpoch = value.PreviousMemberEpoch,
                    State = Enum.IsDefined((MemberState)value.State) ? (MemberState)value.State : MemberState.Unknown,
                    AssignedPartitions = PartitionAssignment.From(value.AssignedPartitions, t => t.TopicId, t => t.Partitions),
                    PartitionsPendingRevocation = PartitionAssignment.From(value.PartitionsPendingRevocation, t => t.TopicId, t => t.Partitions),
                });
                return true;
            }
            case CoordinatorRecord.ConsumerGroupCurrentMemberAssignment r:
                if (_consumerGroups.TryGetValue(r.GroupId, out var withAssignment) && withAssignment.Members.TryGetValue(r.MemberId, out var unassigned))
                {
                    // Kafka keeps the member (its subscription record goes next) with no partitions and the leave epoch.
                    withAssignment.UpdateAssignment(unassigned, unassigned with
                    {
                        MemberEpoch = ConsumerGroup.LeaveGroupMemberEpoch,
                        PreviousMemberEpoch = ConsumerGroup.LeaveGroupMemberEpoch,
                        State = MemberState.Stable,
                        AssignedPartitions = PartitionAssignment.Empty,
                        PartitionsPendingRevocation = PartitionAssignment.Empty,
                    });
                }
                return true;
            default:
                return false;
        }
    }

    private ConsumerGroup GetOrCreateConsumerGroup(string groupId)
    {
        if (!_consumerGroups.TryGetValue(groupId, out var group))
        {
            group = new ConsumerGroup(groupId);
            _consumerGroups[groupId] = group;
        }
        return group;
    }

    private static void StopConsumerGroupTimers(ConsumerGroup group)
    {
        foreach (var timer in group.SessionTimers.Values.Concat(group.RebalanceTimers.Values))
        {
            timer.Dispose();
        }
        group.SessionTimers.Clear();
        group.RebalanceTimers.Clear();
    }

    /// <summary>After a load, every member's session timeout starts again, as in Kafka.</summary>
    private void OnConsumerGroupsLoaded()
    {
        foreach (var group in _consumerGroups.Values)
        {
            foreach (var member in group.Members.Values)
            {
                ScheduleSessionTimeout(group, member.MemberId);
                MaybeScheduleRebalanceTimeout(group, member);
            }
        }
    }

    private static ConsumerGroupMemberMetadataValue MemberMetadataValue(ConsumerGroupMember member) => new()
    {
        InstanceId = member.InstanceId,
        RackId = member.RackId,
        ClientId = member.ClientId,
        ClientHost = member.ClientHost,
        SubscribedTopicNames = [.. member.SubscribedTopicNames],
        SubscribedTopicRegex = member.SubscribedTopicRegex,
        RebalanceTimeoutMs = member.RebalanceTimeoutMs,
        ServerAssignor = member.ServerAssignor,
    };

    private static ConsumerGroupPartitionMetadataValue PartitionMetadataValue(ImmutableDictionary<string, SubscribedTopic> metadata) => new()
    {
        Topics = metadata.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ConsumerGroupPartitionMetadataValue.TopicMetadata
        {
            TopicId = t.TopicId,
            TopicName = t.Name,
            NumPartitions = t.NumPartitions,
        }).ToList(),
    };

    private static ConsumerGroupTargetAssignmentMemberValue TargetValue(IEnumerable<TopicIdPartition> partitions) => new()
    {
        TopicPartitions = PartitionAssignment.ToTopics(partitions, (id, p) => new ConsumerGroupTargetAssignmentMemberValue.TopicPartition { TopicId = id, Partitions = p }),
    };

    private static ConsumerGroupCurrentMemberAssignmentValue CurrentAssignmentValue(ConsumerGroupMember member) => new()
    {
        MemberEpoch = member.MemberEpoch,
        PreviousMemberEpoch = member.PreviousMemberEpoch,
        State = (sbyte)member.State,
        AssignedPartitions = PartitionAssignment.ToTopics(member.AssignedPartitions,
            (id, p) => new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = id, Partitions = p }),
        PartitionsPendingRevocation = PartitionAssignment.ToTopics(member.PartitionsPendingRevocation,
            (id, p) => new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = id, Partitions = p }),
    };
}
