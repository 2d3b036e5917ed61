using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// KIP-932 share groups: ShareGroupHeartbeat as Kafka's GroupMetadataManager serves it. A heartbeat
/// (1) creates or updates the member, bumping the group epoch when its subscription or the subscribed
/// topics changed, or when share partitions finished initializing since the last target; (2) computes
/// a new target with the <c>simple</c> assignor over the initialized partitions when the group epoch
/// passed the target's; (3) gives the member its target at once (a share partition may have several
/// consumers, so nothing is revoked first). Then the subscribed partitions without share-group state
/// are initialized through the persister, off the heartbeat; once the share coordinator has them, a
/// record marks them initialized and the next heartbeat assigns them. Every step only produces
/// records; the state changes when they are replayed.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    public static readonly SimpleAssignor ShareAssignor = new();

    private readonly Dictionary<string, ShareGroup> _shareGroups = new(StringComparer.Ordinal);

    /// <summary>For tests and describing: the share group, if this shard has it.</summary>
    public ShareGroup? FindShareGroup(string groupId) => _shareGroups.GetValueOrDefault(groupId);

    public IEnumerable<ShareGroup> ShareGroups => _shareGroups.Values;

    /// <summary>The partitions whose share-group state the group has initialized (DescribeShareGroupOffsets of all topics); none for a group that is not a share group.</summary>
    public IReadOnlyList<(Uuid TopicId, IReadOnlyCollection<int> Partitions)> InitializedSharePartitions(string groupId) =>
        FindShareGroup(groupId) is { } group
            ? [.. group.InitializedTopics.Values.Select(t => (t.TopicId, (IReadOnlyCollection<int>)t.Partitions))]
            : [];

    /// <summary>ShareGroupHeartbeat: a join (epoch 0), a heartbeat, or a leave (-1).</summary>
    public ShareGroupHeartbeatResponseData ShareGroupHeartbeat(ShareGroupHeartbeatRequestData request, string clientId, string clientHost, MetadataImage image)
    {
        try
        {
            if (InvalidShareHeartbeat(request) is { } invalid)
            {
                throw new ConsumerGroupException(ErrorCode.InvalidRequest, invalid);
            }
            return request.MemberEpoch == ShareGroup.LeaveGroupMemberEpoch
                ? LeaveShareGroup(request)
                : HeartbeatShareGroup(request, clientId, clientHost, image);
        }
        catch (ConsumerGroupException e)
        {
            return new ShareGroupHeartbeatResponseData { ErrorCode = (short)e.Error, ErrorMessage = e.Message };
        }
    }

    /// <summary>Kafka's request checks, in its order: the INVALID_REQUEST message, or null for a valid request.</summary>
    public static string? InvalidShareHeartbeat(ShareGroupHeartbeatRequestData request) =>
        request.MemberId.Length == 0 ? "MemberId can't be empty."
        : request.GroupId.Length == 0 ? "GroupId can't be empty."
        : request.RackId is "" ? "RackId can't be empty."
        : request.MemberEpoch == 0 && request.SubscribedTopicNames is not { Count: > 0 } ? "SubscribedTopicNames must be set in first request."
        : request.MemberEpoch < ShareGroup.LeaveGroupMemberEpoch ? "MemberEpoch is invalid."
        : null;

    /// <summary>
    /// The share group named by a request. Kafka keeps one group per id whatever its type and does not
    /// convert between share groups and the others: a classic group (a simple one with offsets only
    /// included) or a consumer group of that id is GROUP_ID_NOT_FOUND.
    /// </summary>
    private ShareGroup ShareGroupOrThrow(string groupId, bool createIfMissing)
    {
        if (_shareGroups.TryGetValue(groupId, out var group))
        {
            return group;
        }
        if (IsOtherGroupType(groupId))
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Group {groupId} is not a share group.");
        }
        if (!createIfMissing)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Share group {groupId} not found.");
        }
        return new ShareGroup(groupId);
    }

    private bool IsOtherGroupType(string groupId) =>
        _consumerGroups.ContainsKey(groupId) || (_groups.TryGetValue(groupId, out var classic) && !classic.Is(ClassicGroupState.Dead));

    private ShareGroupHeartbeatResponseData HeartbeatShareGroup(ShareGroupHeartbeatRequestData request, string clientId, string clientHost, MetadataImage image)
    {
        var group = ShareGroupOrThrow(request.GroupId, createIfMissing: request.MemberEpoch == 0);
        var maxSize = Config.GroupShareMaxSize;
        if (!group.Members.ContainsKey(request.MemberId) && group.Members.Count >= maxSize)
        {
            throw new ConsumerGroupException(ErrorCode.GroupMaxSizeReached, $"The share group has reached its maximum capacity of {maxSize} members.");
        }
        var existing = group.Members.GetValueOrDefault(request.MemberId);
        var member = existing ?? (request.MemberEpoch == 0
            ? new ShareGroupMember(request.MemberId)
            : throw new ConsumerGroupException(ErrorCode.UnknownMemberId, $"Member {request.MemberId} is not a member of group {group.GroupId}."));
        // A member may always rejoin with epoch 0 (a client that lost its state); any other epoch must be the member's own or its previous one.
        if (existing is not null && request.MemberEpoch != 0)
        {
            CheckShareMemberEpoch(existing, request.MemberEpoch);
        }

        var updated = member with
        {
            RackId = request.RackId ?? member.RackId,
            SubscribedTopicNames = request.SubscribedTopicNames is { } names ? [.. names] : member.SubscribedTopicNames,
            ClientId = clientId,
            ClientHost = clientHost,
        };

        // 1. The member and the group epoch.
        var records = new List<CoordinatorRecord>();
        if (existing is null || !existing.SameMetadata(updated))
        {
            records.Add(new CoordinatorRecord.ShareGroupMemberMetadata(group.GroupId, updated.MemberId, ShareMemberMetadataValue(updated)));
        }
        var members = group.Members.Values.Where(m => m.MemberId != updated.MemberId).Append(updated).ToList();
        var metadata = ShareSubscriptionMetadata(members.SelectMany(m => m.SubscribedTopicNames), image);
        var bumpEpoch = existing is null || !existing.SameSubscription(updated) || InitializedAssignmentPending(group, metadata);
        if (!SameMetadata(metadata, group.SubscriptionMetadata))
        {
            records.Add(new CoordinatorRecord.ShareGroupPartitionMetadata(group.GroupId, SharePartitionMetadataValue(metadata)));
            bumpEpoch = true;
        }
        var groupEpoch = group.GroupEpoch;
        if (bumpEpoch)
        {
            groupEpoch++;
            // KIP-1101's hash of the subscribed topics, which Kafka 4.1 keeps in the share group's epoch record too.
            records.Add(new CoordinatorRecord.ShareGroupMetadata(group.GroupId, new ShareGroupMetadataValue
            {
                Epoch = groupEpoch,
                MetadataHash = TopicHash.Group(members.SelectMany(m => m.SubscribedTopicNames), image),
            }));
        }

        // 2. The target assignment.
        var targetEpoch = group.AssignmentEpoch;
        var target = group.TargetOf(updated.MemberId);
        if (groupEpoch > group.AssignmentEpoch)
        {
            var assignment = ShareAssignor.Assign(
                members.Select(m => new AssignorMember(m.MemberId, m.SubscribedTopicNames.Where(metadata.ContainsKey).Select(t => metadata[t].TopicId).ToHashSet(), group.TargetOf(m.MemberId))).ToList(),
                group.AssignablePartitions(metadata.Values));
            foreach (var (id, partitions) in assignment)
            {
                if (!group.TargetAssignment.TryGetValue(id, out var previous) || !partitions.SetEquals(previous))
                {
                    records.Add(new CoordinatorRecord.ShareGroupTargetAssignmentMember(group.GroupId, id, ShareTargetValue(partitions)));
                }
            }
            records.Add(new CoordinatorRecord.ShareGroupTargetAssignmentMetadata(group.GroupId, new ShareGroupTargetAssignmentMetadataValue { AssignmentEpoch = groupEpoch }));
            targetEpoch = groupEpoch;
            target = assignment.GetValueOrDefault(updated.MemberId) ?? PartitionAssignment.Empty;
        }

        // 3. No revocation phase (KIP-932): the member moves straight to its target at the target's epoch.
        var reconciled = updated.MemberEpoch == targetEpoch && updated.AssignedPartitions.SetEquals(target)
            ? updated
            : updated with { PreviousMemberEpoch = updated.MemberEpoch, MemberEpoch = targetEpoch, State = MemberState.Stable, AssignedPartitions = target };
        if (existing is null || !reconciled.SameAssignment(existing))
        {
            records.Add(new CoordinatorRecord.ShareGroupCurrentMemberAssignment(group.GroupId, reconciled.MemberId, ShareCurrentAssignmentValue(reconciled)));
        }

        var error = WriteShareGroupRecords(records);
        if (error != ErrorCode.None)
        {
            return new ShareGroupHeartbeatResponseData { ErrorCode = (short)error };
        }
        var live = _shareGroups[group.GroupId];
        ScheduleShareSessionTimeout(live, reconciled.MemberId);
        MaybeInitializeSharePartitions(live, image);

        var response = new ShareGroupHeartbeatResponseData
        {
            MemberId = reconciled.MemberId,
            MemberEpoch = reconciled.MemberEpoch,
            HeartbeatIntervalMs = GroupConfigOf(group.GroupId).ShareHeartbeatIntervalMs,
        };
        // Kafka sends the assignment to a full request (a join, or any heartbeat naming its subscription) or when it changed.
        if (request.MemberEpoch == 0 || request.SubscribedTopicNames is not null || !reconciled.AssignedPartitions.SetEquals(member.AssignedPartitions))
        {
            response.Assignment = new ShareGroupHeartbeatResponseData.AssignmentData
            {
                TopicPartitions = PartitionAssignment.ToTopics(reconciled.AssignedPartitions,
                    (id, partitions) => new ShareGroupHeartbeatResponseData.TopicPartitions { TopicId = id, Partitions = partitions }),
            };
        }
        return response;
    }

    /// <summary>Kafka's epoch check for a share member: an epoch ahead is fenced; one behind only when it is the previous epoch (a lost answer the client retries).</summary>
    private static void CheckShareMemberEpoch(ShareGroupMember member, int received)
    {
        if (received > member.MemberEpoch)
        {
            throw new ConsumerGroupException(ErrorCode.FencedMemberEpoch,
                $"The share group member has a greater member epoch ({received}) than the one known by the group coordinator ({member.MemberEpoch}). The member must abandon all its partitions and rejoin.");
        }
        if (received < member.MemberEpoch && received != member.PreviousMemberEpoch)
        {
            throw new ConsumerGroupException(ErrorCode.FencedMemberEpoch,
                $"The share group member has a smaller member epoch ({received}) than the one known by the group coordinator ({member.MemberEpoch}). The member must abandon all its partitions and rejoin.");
        }
    }

    /// <summary>
    /// Whether partitions finished initializing since the target was computed: some subscribed topic
    /// has initialized partitions that the target does not cover, so a new one is due (Kafka bumps the
    /// group epoch for it).
    /// </summary>
    private static bool InitializedAssignmentPending(ShareGroup group, ImmutableDictionary<string, SubscribedTopic> metadata)
    {
        if (group.Members.Count == 0)
        {
            return false;
        }
        var targeted = group.TargetAssignment.Values.SelectMany(p => p).ToHashSet();
        return group.AssignablePartitions(metadata.Values).Any(p => !targeted.Contains(p));
    }

    private static ImmutableDictionary<string, SubscribedTopic> ShareSubscriptionMetadata(IEnumerable<string> topicNames, MetadataImage image)
    {
        var result = ImmutableDictionary.CreateBuilder<string, SubscribedTopic>(StringComparer.Ordinal);
        foreach (var name in topicNames.Distinct())
        {
            if (image.Topic(name) is { } topic)
            {
                result[name] = new SubscribedTopic(topic.Id, name, topic.Partitions.Length);
            }
        }
        return result.ToImmutable();
    }

    /// <summary>ShareGroupHeartbeat with epoch -1: the member's records are tombstoned and the group epoch bumped so the others take its partitions.</summary>
    private ShareGroupHeartbeatResponseData LeaveShareGroup(ShareGroupHeartbeatRequestData request)
    {
        var group = ShareGroupOrThrow(request.GroupId, createIfMissing: false);
        var member = group.Members.GetValueOrDefault(request.MemberId)
            ?? throw new ConsumerGroupException(ErrorCode.UnknownMemberId, $"Member {request.MemberId} is not a member of group {group.GroupId}.");
        var error = RemoveShareMember(group, member);
        return error != ErrorCode.None
            ? new ShareGroupHeartbeatResponseData { ErrorCode = (short)error }
            : new ShareGroupHeartbeatResponseData { MemberId = request.MemberId, MemberEpoch = ShareGroup.LeaveGroupMemberEpoch };
    }

    /// <summary>A member leaves or is fenced: its records tombstoned (Kafka's order), the group epoch bumped; then the partition leaders release what it had acquired.</summary>
    private ErrorCode RemoveShareMember(ShareGroup group, ShareGroupMember member)
    {
        var records = new List<CoordinatorRecord>
        {
            new CoordinatorRecord.ShareGroupCurrentMemberAssignment(group.GroupId, member.MemberId, null),
            new CoordinatorRecord.ShareGroupTargetAssignmentMember(group.GroupId, member.MemberId, null),
            new CoordinatorRecord.ShareGroupMemberMetadata(group.GroupId, member.MemberId, null),
        };
        var stillSubscribed = group.Members.Values.Where(m => m.MemberId != member.MemberId).SelectMany(m => m.SubscribedTopicNames).ToHashSet(StringComparer.Ordinal);
        var metadata = group.SubscriptionMetadata.Where(kv => stillSubscribed.Contains(kv.Key)).ToImmutableDictionary(StringComparer.Ordinal);
        if (!SameMetadata(metadata, group.SubscriptionMetadata))
        {
            records.Add(new CoordinatorRecord.ShareGroupPartitionMetadata(group.GroupId, SharePartitionMetadataValue(metadata)));
        }
        records.Add(new CoordinatorRecord.ShareGroupMetadata(group.GroupId, new ShareGroupMetadataValue
        {
            Epoch = group.GroupEpoch + 1,
            MetadataHash = TopicHash.Group(stillSubscribed, KnownImage),
        }));
        CancelShareSessionTimeout(group, member.MemberId);
        return WriteShareGroupRecords(records);
    }

    private ErrorCode WriteShareGroupRecords(IReadOnlyList<CoordinatorRecord> records) =>
        Write(records.Select(CoordinatorRecordSerde.ShareGroupRecord).ToList());

    private void ScheduleShareSessionTimeout(ShareGroup group, string memberId)
    {
        CancelShareSessionTimeout(group, memberId);
        group.SessionTimers[memberId] = Schedule(GroupConfigOf(group.GroupId).ShareSessionTimeoutMs, () => ExpireShareMember(group.GroupId, memberId));
    }

    private static void CancelShareSessionTimeout(ShareGroup group, string memberId)
    {
        if (group.SessionTimers.Remove(memberId, out var timer))
        {
            timer.Dispose();
        }
    }

    private void ExpireShareMember(string groupId, string memberId)
    {
        if (_runtime.Status != Coordinators.ShardStatus.Active
            || _shareGroups.GetValueOrDefault(groupId) is not { } group || group.Members.GetValueOrDefault(memberId) is not { } member)
        {
            return;
        }
        Logger.LogInformation("Member {MemberId} of share group {GroupId} fenced: session timeout", memberId, groupId);
        group.SessionTimers.Remove(memberId);
        RemoveShareMember(group, member);
    }

    private static void StopShareGroupTimers(ShareGroup group)
    {
        foreach (var timer in group.SessionTimers.Values)
        {
            timer.Dispose();
        }
        group.SessionTimers.Clear();
    }

    /// <summary>After a load, every share member's session timeout starts again, as in Kafka.</summary>
    private void OnShareGroupsLoaded()
    {
        foreach (var group in _shareGroups.Values)
        {
            foreach (var member in group.Members.Values)
            {
                ScheduleShareSessionTimeout(group, member.MemberId);
            }
        }
    }

    private ShareGroup GetOrCreateShareGroup(string groupId)
    {
        if (!_shareGroups.TryGetValue(groupId, out var group))
        {
            group = new ShareGroup(groupId);
            _shareGroups[groupId] = group;
        }
        return group;
    }

    private static ShareGroupMemberMetadataValue ShareMemberMetadataValue(ShareGroupMember member) => new()
    {
        RackId = member.RackId,
        ClientId = member.ClientId,
        ClientHost = member.ClientHost,
        SubscribedTopicNames = [.. member.SubscribedTopicNames],
    };

    private static ShareGroupPartitionMetadataValue SharePartitionMetadataValue(ImmutableDictionary<string, SubscribedTopic> metadata) => new()
    {
        Topics = metadata.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new ShareGroupPartitionMetadataValue.TopicMetadata
        {
            TopicId = t.TopicId,
            TopicName = t.Name,
            NumPartitions = t.NumPartitions,
        }).ToList(),
    };

    private static ShareGroupTargetAssignmentMemberValue ShareTargetValue(IEnumerable<TopicIdPartition> partitions) => new()
    {
        TopicPartitions = PartitionAssignment.ToTopics(partitions, (id, p) => new ShareGroupTargetAssignmentMemberValue.TopicPartition { TopicId = id, Partitions = p }),
    };

    private static ShareGroupCurrentMemberAssignmentValue ShareCurrentAssignmentValue(ShareGroupMember member) => new()
    {
        MemberEpoch = member.MemberEpoch,
        PreviousMemberEpoch = member.PreviousMemberEpoch,
        State = (sbyte)member.State,
        AssignedPartitions = PartitionAssignment.ToTopics(member.AssignedPartitions,
            (id, p) => new ShareGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = id, Partitions = p }),
    };
}
