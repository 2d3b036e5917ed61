using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Broker.Groups.Consumer.ConsumerGroupRecords;

namespace KafkaCompat.Broker.Groups;

/// <summary>ConsumerGroupHeartbeat (KIP-848): validating the request, finding or creating the member, and the three steps of a heartbeat (member and group epoch, target assignment, reconciliation); leaving.</summary>
public sealed partial class GroupCoordinatorShard
{
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

    /// <summary>Kafka's request checks, all INVALID_REQUEST but an unknown assignor (UNSUPPORTED_ASSIGNOR); an id of blanks counts as empty, as Kafka's trim() makes it.</summary>
    private static void ValidateHeartbeat(ConsumerGroupHeartbeatRequestData request, short version)
    {
        static void Invalid(string message) => throw new ConsumerGroupException(ErrorCode.InvalidRequest, message);
        static bool Blank(string? value) => value is not null && value.All(c => c <= ' ');
        // Version 1 (KIP-1082): the client generates its member id, so it is never empty.
        if ((version >= 1 || request.MemberEpoch > 0 || request.MemberEpoch == ConsumerGroup.LeaveGroupMemberEpoch) && Blank(request.MemberId))
        {
            Invalid("MemberId can't be empty.");
        }
        if (request.GroupId is null || Blank(request.GroupId))
        {
            Invalid("GroupId can't be empty.");
        }
        if (Blank(request.InstanceId))
        {
            Invalid("InstanceId can't be empty.");
        }
        if (Blank(request.RackId))
        {
            Invalid("RackId can't be empty.");
        }
        if (request.MemberEpoch == 0)
        {
            if (request.RebalanceTimeoutMs == -1)
            {
                Invalid("RebalanceTimeoutMs must be provided in first request.");
            }
            if (request.TopicPartitions is not { Count: 0 })
            {
                Invalid("TopicPartitions must be empty when (re-)joining.");
            }
            // An empty list of names or an empty regex joins without subscribing to anything, as in Kafka.
            if (request.SubscribedTopicNames is null && request.SubscribedTopicRegex is null)
            {
                Invalid("Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.");
            }
        }
        else if (request.MemberEpoch == ConsumerGroup.LeaveGroupStaticMemberEpoch)
        {
            if (request.InstanceId is null)
            {
                Invalid("InstanceId can't be null.");
            }
        }
        else if (request.MemberEpoch < ConsumerGroup.LeaveGroupStaticMemberEpoch)
        {
            Invalid("MemberEpoch is invalid.");
        }
        if (request.ServerAssignor is { } assignor && Assignors.All(a => a.Name != assignor))
        {
            throw new ConsumerGroupException(ErrorCode.UnsupportedAssignor,
                $"ServerAssignor {assignor} is not supported. Supported assignors: {string.Join(", ", Assignors.Select(a => a.Name))}.");
        }
    }

    private ConsumerGroupHeartbeatResponseData HeartbeatConsumerGroup(ConsumerGroupHeartbeatRequestData request, string clientId, string clientHost, MetadataImage image)
    {
        var joining = request.MemberEpoch == 0;
        var records = new List<CoordinatorRecord>();
        // A join may upgrade a classic group (KIP-848 online migration): the conversion's records go first.
        var group = ConsumerGroupOrThrow(request.GroupId, joining, records);
        ThrowIfConsumerGroupIsFull(group, request.MemberId);
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
            ClassicMetadata = null,
        };
        var reconciled = UpdateMember(group, member, updated, owned, image, records);

        var error = WriteConsumerGroupRecords(records);
        if (error != ErrorCode.None)
        {
            return new ConsumerGroupHeartbeatResponseData { ErrorCode = (short)error };
        }
        var live = _consumerGroups[group.GroupId];
        ScheduleSessionTimeout(live, reconciled.MemberId);
        if (!reconciled.SameAssignment(member))
        {
            OnAssignmentChanged(live, reconciled);
        }
        ScheduleConvertedMembersSessionTimeouts(live);

        var response = new ConsumerGroupHeartbeatResponseData
        {
            MemberId = reconciled.MemberId,
            MemberEpoch = reconciled.MemberEpoch,
            HeartbeatIntervalMs = ConsumerGroupHeartbeatIntervalMs(group.GroupId),
        };
        // Kafka sends the assignment to a full request (a join, or a heartbeat with every field set, which clients send after an error) or when it changed.
        var fullRequest = joining || (request.RebalanceTimeoutMs != -1 && (request.SubscribedTopicNames is not null || request.SubscribedTopicRegex is not null) && request.TopicPartitions is not null);
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

    /// <summary>
    /// The three steps of a member's update, for a ConsumerGroupHeartbeat and a classic member's JoinGroup
    /// alike (Kafka's): its records appended to <paramref name="records"/>, the member it becomes returned.
    /// </summary>
    private ConsumerGroupMember UpdateMember(ConsumerGroup group, ConsumerGroupMember member, ConsumerGroupMember updated,
        IReadOnlySet<TopicIdPartition>? owned, MetadataImage image, List<CoordinatorRecord> records)
    {
        // 1. The member, its regular expression and the group epoch. A static member taking over its
        // instance id's assignment is no new member. A regular expression not resolved yet bumps the
        // epoch once its resolution is written.
        var previousId = updated.InstanceId is { } instance && group.StaticMember(instance) is { } holder ? holder.MemberId : updated.MemberId;
        var existing = group.Members.GetValueOrDefault(updated.MemberId);
        if (existing is null || !existing.SameMetadata(updated))
        {
            records.Add(new CoordinatorRecord.ConsumerGroupMemberMetadata(group.GroupId, updated.MemberId, MemberMetadataValue(updated)));
        }
        var regexUpdate = MaybeUpdateRegularExpressions(group, member, updated, records, image);
        // As in Kafka, a member joining bumps the epoch through its subscription (names new to it, or a
        // regular expression already resolved); one subscribed to a regex not resolved yet waits for it.
        // The assignor it asks for is no subscription: changing it alone does not bump the epoch.
        var namesChanged = !member.SameSubscription(updated);
        var subscriptionChanged = namesChanged || regexUpdate != RegexUpdate.NoChange;
        var bumpEpoch = group.GroupEpoch == 0 || namesChanged || regexUpdate == RegexUpdate.UpdatedAndResolved;
        var groupEpoch = group.GroupEpoch;
        var members = group.Members.Values.Where(m => m.MemberId != updated.MemberId && m.MemberId != previousId).Append(updated).ToList();
        var current = CurrentImage(image);
        if (bumpEpoch || group.MetadataRefreshDeadline.HasExpired(NowMs, group.GroupEpoch))
        {
            groupEpoch = UpdateSubscriptionMetadata(group, members, bumpEpoch, current, records);
            // Set now, as Kafka does: should the records not be written, the group epoch stays below the deadline's and the deadline counts as expired.
            MetadataRefreshed(group, groupEpoch);
        }

        // 2. The target assignment.
        var targetEpoch = group.AssignmentEpoch;
        var target = group.TargetOf(previousId);
        if (groupEpoch > group.AssignmentEpoch)
        {
            var assignment = ComputeTargetAssignment(group, members, current, updated.MemberId, previousId);
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

        // 3. Reconciliation. A changed subscription takes the partitions of the topics it left at once,
        // whatever the target (an unresolved regular expression subscribes to nothing yet).
        var subscribedTopics = group.TopicsOf(updated).Select(current.Topic).OfType<TopicImage>().Select(t => t.Id).ToHashSet();
        var reconciled = CurrentAssignmentBuilder.Reconcile(updated, targetEpoch, target, p => PartitionEpochExcept(group, p, previousId), owned,
            subscribedTopics, subscriptionChanged);
        if (existing is null || !reconciled.SameAssignment(existing))
        {
            records.Add(new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(group.GroupId, reconciled.MemberId, CurrentAssignmentValue(reconciled)));
        }
        return reconciled;
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
    /// of the consumer protocol holds is UNRELEASED_INSTANCE_ID; joining with one whose holder left with
    /// epoch -2, or whose holder speaks the classic protocol (which never releases it: a rolling upgrade
    /// of static members, as Kafka allows), takes over its assignment under the new member id (the old
    /// member's records are tombstoned).
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
            if (holder.MemberEpoch != ConsumerGroup.LeaveGroupStaticMemberEpoch && !holder.UsesClassicProtocol)
            {
                throw new ConsumerGroupException(ErrorCode.UnreleasedInstanceId,
                    $"Static member {holder.MemberId} with instance id {instanceId} is not released yet.");
            }
            if (holder.MemberId == memberId)
            {
                return holder with { MemberEpoch = 0, PreviousMemberEpoch = 0 };
            }
            records.AddRange(MemberTombstones(group.GroupId, holder.MemberId));
            records.Add(new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(group.GroupId, memberId, TargetValue(group.TargetOf(holder.MemberId))));
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
            // As Kafka, it gives up the partitions it was revoking: the other members need not wait for its session to end.
            var left = member with
            {
                MemberEpoch = ConsumerGroup.LeaveGroupStaticMemberEpoch,
                PartitionsPendingRevocation = PartitionAssignment.Empty,
            };
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
}
