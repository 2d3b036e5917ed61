using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Broker.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// Share groups' records replayed into the groups, and the share-partition state the group
/// coordinator keeps with the share coordinator (KIP-932): before a partition is assigned to share
/// members, its state is initialized through the persister (at the group epoch, with start offset -1
/// so that the partition leader applies <c>share.auto.offset.reset</c>, as Kafka 4.1 does); deleting
/// an empty share group deletes that state first.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>Kafka's start offset for a partition initialized by a heartbeat: none, the leader resolves it.</summary>
    private const long UnresolvedStartOffset = -1;

    /// <summary>
    /// Asks the persister to initialize the subscribed partitions that have no share-group state yet
    /// (those asked less than <c>group.share.initialize.retry.interval.ms</c> ago are left to that
    /// request). Runs after the heartbeat's records are written and does not hold up its answer.
    /// </summary>
    private void MaybeInitializeSharePartitions(ShareGroup group, Metadata.MetadataImage image)
    {
        if (_context.SharePersister is not { } persister)
        {
            return;
        }
        var now = NowMs;
        var retryMs = Config.GroupShareInitializeRetryIntervalMs;
        var wanted = group.SubscriptionMetadata.Values
            .Where(t => image.Topic(t.TopicId) is not null)
            .SelectMany(t => Enumerable.Range(0, t.NumPartitions).Select(p => new TopicIdPartition(t.TopicId, p)))
            .Where(p => !group.IsInitialized(p) && !(group.Initializing.TryGetValue(p, out var since) && now - since < retryMs))
            .ToList();
        if (wanted.Count == 0)
        {
            return;
        }
        // Recorded as initializing first, as Kafka 4.1 does: a coordinator that takes over knows what
        // was asked, and when, and asks again only once group.share.initialize.retry.interval.ms passed.
        var initializing = new Dictionary<TopicIdPartition, long>(group.Initializing);
        foreach (var partition in wanted)
        {
            initializing[partition] = now;
        }
        var recorded = WriteShareGroupRecords([StatePartitionMetadataRecord(group, group.InitializedTopics.Values, group.DeletingTopics, initializing)]);
        if (recorded != ErrorCode.None)
        {
            Logger.LogWarning("Recording the share-partitions of group {GroupId} as initializing failed: {Error}", group.GroupId, recorded);
            return;
        }
        var request = new InitializeShareGroupStateRequestData
        {
            GroupId = group.GroupId,
            Topics = PartitionAssignment.ToTopics(wanted, (id, partitions) => new InitializeShareGroupStateRequestData.InitializeStateData
            {
                TopicId = id,
                Partitions = partitions.Select(p => new InitializeShareGroupStateRequestData.PartitionData
                {
                    Partition = p,
                    StateEpoch = group.GroupEpoch,
                    StartOffset = UnresolvedStartOffset,
                }).ToList(),
            }),
        };
        _ = InitializeSharePartitionsAsync(persister, request);
    }

    private async Task InitializeSharePartitionsAsync(IShareStatePersister persister, InitializeShareGroupStateRequestData request)
    {
        InitializeShareGroupStateResponseData? response = null;
        try
        {
            response = await persister.InitializeStateAsync(request).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Logger.LogWarning(e, "Initializing the share-group state of group {GroupId} failed", request.GroupId);
        }
        await Executor.Submit(() => CompleteShareInitialization(request, response)).ConfigureAwait(false);
    }

    /// <summary>
    /// The persister's answer, back on the executor: the partitions it initialized are recorded as
    /// initialized (the next heartbeat bumps the group epoch and assigns them); the ones it refused are
    /// no longer initializing, so a later heartbeat asks again.
    /// </summary>
    private ErrorCode CompleteShareInitialization(InitializeShareGroupStateRequestData request, InitializeShareGroupStateResponseData? response)
    {
        if (_runtime.Status != Coordinators.ShardStatus.Active || !_shareGroups.TryGetValue(request.GroupId, out var group))
        {
            return ErrorCode.None;
        }
        var asked = request.Topics.SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p.Partition))).ToHashSet();
        var initializing = group.Initializing.Where(p => !asked.Contains(p.Key)).ToDictionary();
        var done = new List<TopicIdPartition>();
        foreach (var result in response?.Results ?? [])
        {
            foreach (var partition in result.Partitions)
            {
                var tp = new TopicIdPartition(result.TopicId, partition.Partition);
                if (partition.ErrorCode == (short)ErrorCode.None && asked.Contains(tp))
                {
                    done.Add(tp);
                }
                else if (partition.ErrorCode != (short)ErrorCode.None)
                {
                    Logger.LogWarning("Share-group state of {GroupId} {TopicId}-{Partition} not initialized: {Error} {Message}",
                        group.GroupId, result.TopicId, partition.Partition, (ErrorCode)partition.ErrorCode, partition.ErrorMessage);
                }
            }
        }
        var names = group.SubscriptionMetadata.Values.ToDictionary(t => t.TopicId, t => t.Name);
        var initialized = group.InitializedTopics.Values
            .Select(t => (t.TopicId, t.TopicName, Partitions: t.Partitions.ToBuilder(), t.CreateTimestamp))
            .ToDictionary(t => t.TopicId);
        foreach (var partition in done.Where(p => names.ContainsKey(p.TopicId)))
        {
            if (!initialized.TryGetValue(partition.TopicId, out var topic))
            {
                topic = (partition.TopicId, names[partition.TopicId], ImmutableSortedSet.CreateBuilder<int>(), NowMs);
                initialized[partition.TopicId] = topic;
            }
            topic.Partitions.Add(partition.Partition);
        }
        if (done.Count == 0 && initializing.Count == group.Initializing.Count)
        {
            return ErrorCode.None;
        }
        // The asked partitions leave the initializing list either way: those refused are asked again by a later heartbeat.
        return WriteShareGroupRecords([StatePartitionMetadataRecord(group,
            initialized.Values.Select(t => new ShareTopicPartitions(t.TopicId, t.TopicName, t.Partitions.ToImmutable(), t.CreateTimestamp)),
            group.DeletingTopics.Where(d => !initialized.ContainsKey(d.Key)), initializing)]);
    }

    /// <summary>
    /// DeleteGroups of a share group, first step: refused (NON_EMPTY_GROUP) while it has members;
    /// otherwise the DeleteShareGroupState request for every partition with share-group state (null
    /// when this id is no share group).
    /// </summary>
    public (ErrorCode Error, DeleteShareGroupStateRequestData? StateDeletion)? PrepareShareGroupDeletion(string groupId)
    {
        if (!_shareGroups.TryGetValue(groupId, out var group))
        {
            return null;
        }
        if (group.Members.Count > 0)
        {
            return (ErrorCode.NonEmptyGroup, null);
        }
        var partitions = group.InitializedTopics.Values.SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p)));
        return (ErrorCode.None, new DeleteShareGroupStateRequestData
        {
            GroupId = groupId,
            Topics = PartitionAssignment.ToTopics(partitions, (id, list) => new DeleteShareGroupStateRequestData.DeleteStateData
            {
                TopicId = id,
                Partitions = list.Select(p => new DeleteShareGroupStateRequestData.PartitionData { Partition = p }).ToList(),
            }),
        });
    }

    /// <summary>DeleteGroups of an empty share group, once its share-group state is deleted: every record of it tombstoned, in Kafka's order.</summary>
    public ErrorCode RemoveEmptyShareGroup(string groupId)
    {
        if (!_shareGroups.TryGetValue(groupId, out var group))
        {
            return ErrorCode.GroupIdNotFound;
        }
        if (group.Members.Count > 0)
        {
            return ErrorCode.NonEmptyGroup;
        }
        var records = new List<CoordinatorRecord>
        {
            new CoordinatorRecord.ShareGroupTargetAssignmentMetadata(groupId, null),
            new CoordinatorRecord.ShareGroupPartitionMetadata(groupId, null),
            new CoordinatorRecord.ShareGroupStatePartitionMetadata(groupId, null),
            new CoordinatorRecord.ShareGroupMetadata(groupId, null),
        };
        var error = WriteShareGroupRecords(records);
        if (error == ErrorCode.None)
        {
            Logger.LogInformation("Deleted share group {Group}", groupId);
        }
        return error;
    }

    /// <summary>
    /// Topics the metadata image no longer holds leave every share group's share-partition state
    /// metadata (Kafka's maybeCleanupShareGroupState): a new ShareGroupStatePartitionMetadata record for
    /// each group that listed one as initialized or deleting, and no initialization of them is awaited
    /// any more. The share coordinator forgets their state on its own, as Kafka's does.
    /// </summary>
    public void CleanupDeletedShareTopics(IReadOnlySet<Uuid> deletedTopicIds)
    {
        if (deletedTopicIds.Count == 0 || _runtime.Status != Coordinators.ShardStatus.Active)
        {
            return;
        }
        var records = new List<CoordinatorRecord>();
        foreach (var group in _shareGroups.Values)
        {
            if (group.InitializedTopics.Keys.Any(deletedTopicIds.Contains) || group.DeletingTopics.Keys.Any(deletedTopicIds.Contains)
                || group.Initializing.Keys.Any(p => deletedTopicIds.Contains(p.TopicId)))
            {
                records.Add(StatePartitionMetadataRecord(group,
                    group.InitializedTopics.Values.Where(t => !deletedTopicIds.Contains(t.TopicId)),
                    group.DeletingTopics.Where(d => !deletedTopicIds.Contains(d.Key)),
                    group.Initializing.Where(p => !deletedTopicIds.Contains(p.Key.TopicId)).ToDictionary()));
            }
        }
        if (records.Count > 0 && WriteShareGroupRecords(records) is var error && error != ErrorCode.None)
        {
            Logger.LogWarning("Removing deleted topics from the share-partition state metadata of {Count} share groups failed: {Error}", records.Count, error);
        }
    }

    /// <summary>Applies a share-group record; false when the record is of another kind.</summary>
    private bool ReplayShareGroup(CoordinatorRecord? record)
    {
        switch (record)
        {
            case CoordinatorRecord.ShareGroupMetadata { Value: { } value } r:
                GetOrCreateShareGroup(r.GroupId).GroupEpoch = value.Epoch;
                return true;
            case CoordinatorRecord.ShareGroupMetadata r:
                if (_shareGroups.Remove(r.GroupId, out var removed))
                {
                    StopShareGroupTimers(removed);
                    removed.IsDead = true;
                }
                return true;
            case CoordinatorRecord.ShareGroupPartitionMetadata r:
                if (r.Value is { } partitions)
                {
                    GetOrCreateShareGroup(r.GroupId).SubscriptionMetadata = partitions.Topics
                        .ToImmutableDictionary(t => t.TopicName, t => new SubscribedTopic(t.TopicId, t.TopicName, t.NumPartitions), StringComparer.Ordinal);
                }
                else if (_shareGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.SubscriptionMetadata = ImmutableDictionary<string, SubscribedTopic>.Empty;
                }
                return true;
            case CoordinatorRecord.ShareGroupMemberMetadata { Value: { } value } r:
            {
                var group = GetOrCreateShareGroup(r.GroupId);
                var member = group.Members.GetValueOrDefault(r.MemberId) ?? new ShareGroupMember(r.MemberId);
                group.Members[r.MemberId] = member with
                {
                    RackId = value.RackId,
                    ClientId = value.ClientId,
                    ClientHost = value.ClientHost,
                    SubscribedTopicNames = [.. value.SubscribedTopicNames],
                };
                return true;
            }
            case CoordinatorRecord.ShareGroupMemberMetadata r:
                if (_shareGroups.TryGetValue(r.GroupId, out var withMember))
                {
                    withMember.Members.Remove(r.MemberId);
                    CancelShareSessionTimeout(withMember, r.MemberId);
                }
                return true;
            case CoordinatorRecord.ShareGroupTargetAssignmentMetadata r:
                if (r.Value is { } target)
                {
                    GetOrCreateShareGroup(r.GroupId).AssignmentEpoch = target.AssignmentEpoch;
                }
                else if (_shareGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.AssignmentEpoch = 0;
                }
                return true;
            case CoordinatorRecord.ShareGroupTargetAssignmentMember r:
                if (r.Value is { } assignment)
                {
                    GetOrCreateShareGroup(r.GroupId).TargetAssignment[r.MemberId] = PartitionAssignment.From(assignment.TopicPartitions, t => t.TopicId, t => t.Partitions);
                }
                else if (_shareGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.TargetAssignment.Remove(r.MemberId);
                }
                return true;
            case CoordinatorRecord.ShareGroupCurrentMemberAssignment { Value: { } value } r:
            {
                var group = GetOrCreateShareGroup(r.GroupId);
                group.Members[r.MemberId] = (group.Members.GetValueOrDefault(r.MemberId) ?? new ShareGroupMember(r.MemberId)) with
                {
                    MemberEpoch = value.MemberEpoch,
                    PreviousMemberEpoch = value.PreviousMemberEpoch,
                    State = Enum.IsDefined((MemberState)value.State) ? (MemberState)value.State : MemberState.Unknown,
                    AssignedPartitions = PartitionAssignment.From(value.AssignedPartitions, t => t.TopicId, t => t.Partitions),
                };
                return true;
            }
            case CoordinatorRecord.ShareGroupCurrentMemberAssignment r:
                if (_shareGroups.TryGetValue(r.GroupId, out var withAssignment) && withAssignment.Members.TryGetValue(r.MemberId, out var unassigned))
                {
                    // As for a consumer-group member: kept (its subscription record goes next) with no partitions and the leave epoch.
                    withAssignment.Members[r.MemberId] = unassigned with
                    {
                        MemberEpoch = ShareGroup.LeaveGroupMemberEpoch,
                        PreviousMemberEpoch = ShareGroup.LeaveGroupMemberEpoch,
                        AssignedPartitions = PartitionAssignment.Empty,
                    };
                }
                return true;
            case CoordinatorRecord.ShareGroupStatePartitionMetadata r:
                ReplayStatePartitionMetadata(r);
                return true;
            default:
                return false;
        }
    }

    private void ReplayStatePartitionMetadata(CoordinatorRecord.ShareGroupStatePartitionMetadata record)
    {
        if (record.Value is not { } value)
        {
            if (_shareGroups.TryGetValue(record.GroupId, out var existing))
            {
                existing.Initializing.Clear();
                existing.InitializedTopics.Clear();
                existing.DeletingTopics.Clear();
            }
            return;
        }
        var group = GetOrCreateShareGroup(record.GroupId);
        group.Initializing.Clear();
        foreach (var topic in value.InitializingTopics)
        {
            foreach (var partition in topic.Partitions)
            {
                group.Initializing[new TopicIdPartition(topic.TopicId, partition)] = topic.CreateTimestamp;
            }
        }
        group.InitializedTopics.Clear();
        foreach (var topic in value.InitializedTopics)
        {
            group.InitializedTopics[topic.TopicId] = new ShareTopicPartitions(topic.TopicId, topic.TopicName, [.. topic.Partitions], topic.CreateTimestamp);
        }
        group.DeletingTopics.Clear();
        foreach (var topic in value.DeletingTopics)
        {
            group.DeletingTopics[topic.TopicId] = topic.TopicName;
        }
    }
}
