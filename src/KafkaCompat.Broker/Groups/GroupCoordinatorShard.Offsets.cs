using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

// Committed offsets, their retention, and the admin views (describe, list, delete).
public sealed partial class GroupCoordinatorShard
{
    /// <summary>
    /// OffsetCommit. A generation of -1 with an empty (or unknown) group is a simple commit, as admin
    /// tools and group-less consumers make; otherwise the member and generation must be current.
    /// <paramref name="partitionError"/> gives per-partition errors found by the caller (unknown topics).
    /// </summary>
    public IReadOnlyList<ErrorCode> CommitOffsets(OffsetCommitParams commit, Func<OffsetCommitEntry, ErrorCode> partitionError)
    {
        var groupError = ValidateCommit(commit, out var group);
        if (groupError != ErrorCode.None)
        {
            return commit.Offsets.Select(_ => groupError).ToList();
        }
        var (errors, records) = OffsetRecords(commit.GroupId, commit.Offsets, partitionError);
        if (group is null && records.Count > 0)
        {
            // A simple commit to a group nobody has joined creates it (Empty, no protocol type).
            group = GetOrCreateGroup(commit.GroupId);
        }
        return WithWriteError(errors, Write(records));
    }

    private ErrorCode ValidateCommit(OffsetCommitParams commit, out ClassicGroup? group)
    {
        if (_consumerGroups.TryGetValue(commit.GroupId, out var consumerGroup))
        {
            // The offsets of a consumer group live beside it, in the simple group of the same id.
            group = _groups.GetValueOrDefault(commit.GroupId);
            return ValidateConsumerGroupCommit(consumerGroup, commit.MemberId, commit.GroupInstanceId, commit.GenerationId, commit.ApiVersion);
        }
        if (!_groups.TryGetValue(commit.GroupId, out group))
        {
            // No group: fine for a simple commit; a generation means a member of a group that no longer
            // exists: GROUP_ID_NOT_FOUND from v9 (either protocol's clients know it), as Kafka answers.
            return commit.GenerationId < 0 ? ErrorCode.None
                : commit.ApiVersion >= FirstMemberEpochCommitVersion ? ErrorCode.GroupIdNotFound
                : ErrorCode.IllegalGeneration;
        }
        if (group.IsStaticMemberFenced(commit.GroupInstanceId, commit.MemberId))
        {
            return ErrorCode.FencedInstanceId;
        }
        if (commit.GenerationId < 0 && group.Is(ClassicGroupState.Empty))
        {
            return ErrorCode.None;
        }
        if (!group.Members.TryGetValue(commit.MemberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (commit.GenerationId != group.GenerationId)
        {
            return ErrorCode.IllegalGeneration;
        }
        if (group.Is(ClassicGroupState.CompletingRebalance))
        {
            // The member's partitions may be about to move: its commit waits for the new assignment.
            return ErrorCode.RebalanceInProgress;
        }
        ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
        return ErrorCode.None;
    }

    /// <summary>
    /// TxnOffsetCommit: the offsets are written as one transactional batch of the producer and stay
    /// pending (invisible to OffsetFetch) until the transaction's marker commits or aborts them
    /// (<see cref="CoordinatorRuntime.CompleteTransaction"/>). Validated as Kafka validates a
    /// transactional commit: v0-2 carry no member, so any commit to a live group is accepted; from v3
    /// (KIP-447) a member id, instance id or generation must name the current member and generation.
    /// Unlike OffsetCommit, a transactional commit is not refused while the group completes a rebalance.
    /// </summary>
    public IReadOnlyList<ErrorCode> CommitTransactionalOffsets(TxnOffsetCommitParams commit, Func<OffsetCommitEntry, ErrorCode> partitionError)
    {
        var groupError = ValidateTransactionalCommit(commit);
        if (groupError != ErrorCode.None)
        {
            return commit.Offsets.Select(_ => groupError).ToList();
        }
        var (errors, records) = OffsetRecords(commit.GroupId, commit.Offsets, partitionError);
        var writeError = _runtime.AppendTransactional(commit.ProducerId, commit.ProducerEpoch, records, commit.Verification);
        return WithWriteError(errors, writeError);
    }

    private ErrorCode ValidateTransactionalCommit(TxnOffsetCommitParams commit)
    {
        if (_consumerGroups.TryGetValue(commit.GroupId, out var consumerGroup))
        {
            // A consumer group's member commits with its member epoch (KIP-848); Kafka answers a
            // transactional producer ILLEGAL_GENERATION where a consumer would get STALE_MEMBER_EPOCH.
            var error = ValidateConsumerGroupCommit(consumerGroup, commit.MemberId, commit.GroupInstanceId, commit.GenerationId, apiVersion: null);
            return error == ErrorCode.StaleMemberEpoch ? ErrorCode.IllegalGeneration : error;
        }
        if (!_groups.TryGetValue(commit.GroupId, out var group))
        {
            // Replaying the first record creates the simple group; a generation means a member of a group that is gone.
            return commit.GenerationId < 0 ? ErrorCode.None : ErrorCode.IllegalGeneration;
        }
        if (group.Is(ClassicGroupState.Dead))
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        if (commit.GenerationId < 0 && group.Is(ClassicGroupState.Empty))
        {
            return ErrorCode.None;
        }
        if (commit.GenerationId < 0 && commit.MemberId.Length == 0 && commit.GroupInstanceId is null)
        {
            return ErrorCode.None;
        }
        if (commit.GroupInstanceId is { } instanceId)
        {
            if (!group.StaticMembers.TryGetValue(instanceId, out var staticMemberId))
            {
                return ErrorCode.UnknownMemberId;
            }
            if (staticMemberId != commit.MemberId)
            {
                return ErrorCode.FencedInstanceId;
            }
        }
        else if (!group.Members.ContainsKey(commit.MemberId))
        {
            return ErrorCode.UnknownMemberId;
        }
        return commit.GenerationId != group.GenerationId ? ErrorCode.IllegalGeneration : ErrorCode.None;
    }

    /// <summary>The records of a commit's valid partitions, and each partition's error (unknown partition, metadata over offset.metadata.max.bytes).</summary>
    private (ErrorCode[] Errors, List<(byte[], byte[]?)> Records) OffsetRecords(string groupId, IReadOnlyList<OffsetCommitEntry> offsets, Func<OffsetCommitEntry, ErrorCode> partitionError)
    {
        var maxMetadata = Config.OffsetMetadataMaxBytes;
        var errors = new ErrorCode[offsets.Count];
        var records = new List<(byte[], byte[]?)>();
        for (var i = 0; i < offsets.Count; i++)
        {
            var entry = offsets[i];
            errors[i] = partitionError(entry);
            if (errors[i] == ErrorCode.None && entry.Metadata is { Length: > 0 } metadata && metadata.Length > maxMetadata)
            {
                errors[i] = ErrorCode.OffsetMetadataTooLarge;
            }
            if (errors[i] == ErrorCode.None)
            {
                records.Add((CoordinatorRecordSerde.OffsetCommitKey(groupId, entry.Topic, entry.Partition),
                    CoordinatorRecordSerde.OffsetCommitValue(new OffsetAndMetadata(entry.Offset, entry.LeaderEpoch, entry.Metadata ?? "", entry.CommitTimestampMs, entry.ExpireTimestampMs))));
            }
        }
        return (errors, records);
    }

    /// <summary>The partitions that were to be written get the write's error when it failed.</summary>
    private static ErrorCode[] WithWriteError(ErrorCode[] errors, ErrorCode writeError)
    {
        if (writeError != ErrorCode.None)
        {
            for (var i = 0; i < errors.Length; i++)
            {
                if (errors[i] == ErrorCode.None)
                {
                    errors[i] = writeError;
                }
            }
        }
        return errors;
    }

    /// <summary>
    /// OffsetFetch for one group: every committed offset when <paramref name="topics"/> is null, else
    /// the partitions asked for (-1 where none). A member of a consumer group (v9+, KIP-848) names itself
    /// with its member id and epoch, checked as Kafka checks them. With <paramref name="requireStable"/> (v7+, KIP-447)
    /// a partition with a pending transactional offset answers UNSTABLE_OFFSET_COMMIT instead, which
    /// the consumer retries until the transaction ends; without it, the last committed offset.
    /// </summary>
    public OffsetFetchResult FetchOffsets(string groupId, IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)>? topics, bool requireStable = false,
        string? memberId = null, int memberEpoch = -1)
    {
        if (_consumerGroups.TryGetValue(groupId, out var consumerGroup) && ValidateConsumerGroupFetch(consumerGroup, memberId, memberEpoch) is var fetchError and not ErrorCode.None)
        {
            return new OffsetFetchResult(fetchError, []);
        }
        var group = _groups.GetValueOrDefault(groupId);
        var offsets = new List<FetchedOffset>();
        if (topics is null)
        {
            // As Kafka: every committed offset; a partition with only pending offsets is not listed.
            foreach (var (tp, offset) in (IEnumerable<KeyValuePair<TopicPartition, OffsetAndMetadata>>?)group?.Offsets ?? [])
            {
                offsets.Add(Fetched(groupId, tp, offset, requireStable));
            }
            return new OffsetFetchResult(ErrorCode.None, offsets.OrderBy(o => o.Topic, StringComparer.Ordinal).ThenBy(o => o.Partition).ToList());
        }
        foreach (var (topic, partitions) in topics)
        {
            foreach (var partition in partitions)
            {
                var tp = new TopicPartition(topic, partition);
                offsets.Add(Fetched(groupId, tp, group is not null && group.Offsets.TryGetValue(tp, out var offset) ? offset : null, requireStable));
            }
        }
        return new OffsetFetchResult(ErrorCode.None, offsets);
    }

    private FetchedOffset Fetched(string groupId, TopicPartition tp, OffsetAndMetadata? offset, bool requireStable) =>
        requireStable && _pendingTxnOffsets.Contains(groupId, tp) ? new FetchedOffset(tp.Topic, tp.Partition, -1, -1, "", ErrorCode.UnstableOffsetCommit)
        : offset is null ? new FetchedOffset(tp.Topic, tp.Partition, -1, -1, "", ErrorCode.None)
        : new FetchedOffset(tp.Topic, tp.Partition, offset.Offset, offset.LeaderEpoch, offset.Metadata, ErrorCode.None);

    /// <summary>OffsetDelete: removes committed offsets of partitions the group no longer consumes (GROUP_SUBSCRIBED_TO_TOPIC for the others).</summary>
    public OffsetDeleteResult DeleteOffsets(string groupId, IReadOnlyList<(string Topic, int Partition)> partitions, Func<string, int, ErrorCode> partitionError)
    {
        if (groupId.Length == 0)
        {
            return new OffsetDeleteResult(ErrorCode.InvalidGroupId, []);
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return new OffsetDeleteResult(ErrorCode.GroupIdNotFound, []);
        }
        var consumerGroup = group.ProtocolType == ClassicGroup.ConsumerProtocolType;
        if (!group.Is(ClassicGroupState.Empty) && !consumerGroup)
        {
            return new OffsetDeleteResult(ErrorCode.NonEmptyGroup, []);
        }
        var results = new List<(string, int, ErrorCode)>();
        var records = new List<(byte[], byte[]?)>();
        foreach (var (topic, partition) in partitions)
        {
            var error = partitionError(topic, partition);
            if (error == ErrorCode.None && !group.Is(ClassicGroupState.Empty) && group.IsSubscribedToTopic(topic))
            {
                error = ErrorCode.GroupSubscribedToTopic;
            }
            // As Kafka: a tombstone also when only a transaction holds an offset for the partition (it drops that too).
            if (error == ErrorCode.None && (group.Offsets.ContainsKey(new TopicPartition(topic, partition)) || _pendingTxnOffsets.Contains(groupId, new TopicPartition(topic, partition))))
            {
                records.Add((CoordinatorRecordSerde.OffsetCommitKey(groupId, topic, partition), null));
            }
            results.Add((topic, partition, error));
        }
        var writeError = Write(records);
        if (writeError != ErrorCode.None)
        {
            return new OffsetDeleteResult(writeError, []);
        }
        return new OffsetDeleteResult(ErrorCode.None, results);
    }

    public DescribeGroupsResponseData.DescribedGroup Describe(string groupId)
    {
        var described = new DescribeGroupsResponseData.DescribedGroup { GroupId = groupId };
        // A KIP-848 group is not a classic group: Kafka describes it as one that does not exist.
        var consumerGroup = _consumerGroups.ContainsKey(groupId);
        if (consumerGroup || !_groups.TryGetValue(groupId, out var group))
        {
            // KIP-1043: GROUP_ID_NOT_FOUND, which the handler leaves out before DescribeGroups v6.
            described.GroupState = ClassicGroupState.Dead.ToKafkaName();
            described.ErrorCode = (short)ErrorCode.GroupIdNotFound;
            described.ErrorMessage = consumerGroup ? $"Group {groupId} is not a classic group." : $"Group {groupId} not found.";
            return described;
        }
        var stable = group.Is(ClassicGroupState.Stable);
        described.GroupState = group.State.ToKafkaName();
        described.ProtocolType = group.ProtocolType ?? "";
        // Kafka shows the protocol and the members' metadata and assignments only for a stable group.
        described.ProtocolData = stable ? group.ProtocolName ?? "" : "";
        foreach (var member in group.Members.Values)
        {
            described.Members.Add(new DescribeGroupsResponseData.DescribedGroupMember
            {
                MemberId = member.MemberId,
                GroupInstanceId = member.GroupInstanceId,
                ClientId = member.ClientId,
                ClientHost = member.ClientHost,
                MemberMetadata = stable ? member.MetadataFor(group.ProtocolName) ?? [] : Array.Empty<byte>(),
                MemberAssignment = stable ? member.Assignment : Array.Empty<byte>(),
            });
        }
        return described;
    }

    public IReadOnlyList<ListedGroup> List(IReadOnlySet<ClassicGroupState>? states) =>
        _groups.Values
            .Where(g => !g.Is(ClassicGroupState.Dead) && (states is null || states.Contains(g.State)) && !_consumerGroups.ContainsKey(g.GroupId))
            .Select(g => new ListedGroup(g.GroupId, g.ProtocolType ?? "", g.State.ToKafkaName()))
            .ToList();

    /// <summary>DeleteGroups for one group: only an empty group goes, with tombstones for its offsets and its metadata.</summary>
    public ErrorCode DeleteGroup(string groupId)
    {
        if (_consumerGroups.TryGetValue(groupId, out var consumerGroup))
        {
            // A KIP-848 group: refused while it has members, else its records are tombstoned with its offsets.
            if (consumerGroup.Members.Count > 0)
            {
                return ErrorCode.NonEmptyGroup;
            }
            if (RemoveEmptyConsumerGroup(consumerGroup) is var removeError and not ErrorCode.None)
            {
                return removeError;
            }
            if (!_groups.ContainsKey(groupId))
            {
                Logger.LogInformation("Deleted group {Group}", groupId);
                return ErrorCode.None;
            }
        }
        if (!_groups.TryGetValue(groupId, out var group) || group.Is(ClassicGroupState.Dead))
        {
            return ErrorCode.GroupIdNotFound;
        }
        if (!group.Is(ClassicGroupState.Empty))
        {
            return ErrorCode.NonEmptyGroup;
        }
        // Pending transactional offsets go too (one tombstone per partition, as Kafka writes them).
        var error = Write(Tombstones(group, group.Offsets.Keys.Union(_pendingTxnOffsets.PartitionsOf(groupId)), groupToo: true));
        if (error == ErrorCode.None)
        {
            Logger.LogInformation("Deleted group {Group}", groupId);
        }
        return error;
    }

    /// <summary>
    /// offsets.retention.minutes (KIP-211): offsets of an empty group expire that long after it became
    /// empty; a consumer group's offsets for topics it no longer subscribes to, that long after their
    /// commit; a simple group's, that long after their commit; an explicit expire timestamp (OffsetCommit
    /// v2-4 retention) wins. A group left empty without offsets is removed.
    /// </summary>
    public int ExpireOffsets()
    {
        var now = NowMs;
        var retentionMs = Config.OffsetsRetentionMinutes * 60_000L;
        var expired = 0;
        foreach (var group in _groups.Values.ToList())
        {
            Func<OffsetAndMetadata, long>? baseTimestamp = null;
            IReadOnlySet<string> keep = new HashSet<string>();
            if (group.ProtocolType is not null && group.Is(ClassicGroupState.Empty))
            {
                var emptySince = group.CurrentStateTimestampMs;
                baseTimestamp = _ => emptySince;
            }
            else if (group.ProtocolType == ClassicGroup.ConsumerProtocolType && group.SubscribedTopics is { } subscribed && group.Is(ClassicGroupState.Stable))
            {
                baseTimestamp = o => o.CommitTimestampMs;
                keep = subscribed;
            }
            else if (group.ProtocolType is null)
            {
                baseTimestamp = o => o.CommitTimestampMs;
                // A KIP-848 group's offsets live here: as in Kafka, those of topics its members subscribe to do not expire.
                if (_consumerGroups.TryGetValue(group.GroupId, out var consumerGroup))
                {
                    keep = consumerGroup.SubscribedTopicNames();
                }
            }
            var gone = baseTimestamp is null
                ? []
                : group.Offsets
                    .Where(o => !keep.Contains(o.Key.Topic) && (o.Value.ExpireTimestampMs is { } expire ? now >= expire : now - baseTimestamp(o.Value) >= retentionMs)
                        && !_pendingTxnOffsets.Contains(group.GroupId, o.Key))
                    .Select(o => o.Key)
                    .ToList();
            // As Kafka: an offset with a transaction pending on its partition, and a group with any, stay until the transactions end.
            var removeGroup = group.Is(ClassicGroupState.Empty) && group.Members.Count == 0 && group.PendingJoinMembers.Count == 0 && group.Offsets.Count == gone.Count
                && !_pendingTxnOffsets.Contains(group.GroupId);
            if (gone.Count == 0 && !removeGroup)
            {
                continue;
            }
            if (Write(Tombstones(group, gone, removeGroup)) == ErrorCode.None)
            {
                expired += gone.Count;
                if (gone.Count > 0 || removeGroup)
                {
                    Logger.LogInformation("Expired {Count} offsets of group {Group}{Removed}", gone.Count, group.GroupId, removeGroup ? "; group removed" : "");
                }
            }
        }
        return expired;
    }

    private static List<(byte[], byte[]?)> Tombstones(ClassicGroup group, IEnumerable<TopicPartition> offsets, bool groupToo)
    {
        var records = offsets.Select(tp => (CoordinatorRecordSerde.OffsetCommitKey(group.GroupId, tp.Topic, tp.Partition), (byte[]?)null)).ToList();
        if (groupToo)
        {
            records.Add((CoordinatorRecordSerde.GroupMetadataKey(group.GroupId), null));
        }
        return records;
    }
}
