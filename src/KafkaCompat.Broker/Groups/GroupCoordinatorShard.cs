using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

/// <summary>What a shard needs from the broker.</summary>
public sealed record GroupCoordinatorContext(TimeProvider Time, Func<BrokerConfig> Config, ReplicaManager Replicas, ILogger Logger);

public enum ShardStatus
{
    /// <summary>Created; its partition has not been read yet.</summary>
    Loading,

    Active,

    /// <summary>Shut down (or the partition is gone): requests get COORDINATOR_NOT_AVAILABLE.</summary>
    Closed,
}

/// <summary>
/// The groups of one <c>__consumer_offsets</c> partition and the one executor all of them run on.
/// Operations build records, append them to the partition, then replay what was appended; loading
/// replays the partition from its log start, so restart and normal operation change persisted state
/// through the same <see cref="Replay"/>. Every public method except <see cref="Executor"/> and
/// <see cref="Status"/> must run on the executor.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>Kafka's GroupCoordinator.NewMemberJoinTimeoutMs: how long a brand-new member may wait in its first join.</summary>
    public const int NewMemberJoinTimeoutMs = 300_000;

    private const int LoadReadBytes = 5 * 1024 * 1024;
    private const int MaxDecompressedBytes = 256 * 1024 * 1024;

    private readonly GroupCoordinatorContext _context;
    private readonly Dictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
    private volatile ShardStatus _status = ShardStatus.Loading;
    private bool _loading;

    public GroupCoordinatorShard(int partitionIndex, GroupCoordinatorContext context)
    {
        PartitionIndex = partitionIndex;
        _context = context;
        Executor = new SerialExecutor(context.Logger);
    }

    public int PartitionIndex { get; }

    public SerialExecutor Executor { get; }

    public ShardStatus Status => _status;

    private ILogger Logger => _context.Logger;

    private BrokerConfig Config => _context.Config();

    private long NowMs => _context.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>For tests and DescribeGroups: the group, if this shard has it.</summary>
    public ClassicGroup? Group(string groupId) => _groups.GetValueOrDefault(groupId);

    public IEnumerable<ClassicGroup> Groups => _groups.Values;

    /// <summary>Reads the partition from its log start to its end and replays every record, then starts the members' session timers.</summary>
    public void Load()
    {
        var partition = _context.Replicas.GetPartition(TopicNames.ConsumerOffsets, PartitionIndex);
        if (partition is null)
        {
            _status = ShardStatus.Closed;
            return;
        }
        var started = NowMs;
        var count = 0;
        _loading = true;
        try
        {
            var offset = partition.LogStartOffset;
            var end = partition.LogEndOffset;
            while (offset < end)
            {
                using var read = partition.Read(offset, LoadReadBytes, FetchIsolation.LogEnd, minOneBatch: true);
                if (read.Error != ErrorCode.None || read.Records.IsEmpty)
                {
                    break;
                }
                foreach (var batch in new RecordBatchSet(read.Records))
                {
                    if (!batch.IsControl)
                    {
                        using var records = batch.OpenRecords(MaxDecompressedBytes);
                        foreach (var record in records)
                        {
                            if (record.Key is { } key)
                            {
                                Replay(CoordinatorRecordSerde.Parse(key, record.Value));
                                count++;
                            }
                        }
                    }
                    offset = batch.NextOffset;
                }
            }
        }
        finally
        {
            _loading = false;
        }
        foreach (var group in _groups.Values)
        {
            foreach (var member in group.Members.Values)
            {
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            }
        }
        _status = ShardStatus.Active;
        if (count > 0)
        {
            Logger.LogInformation("Loaded {Groups} groups from {Records} records of {Topic}-{Partition} in {Ms} ms",
                _groups.Count, count, TopicNames.ConsumerOffsets, PartitionIndex, NowMs - started);
        }
    }

    /// <summary>For a partition created empty just now: nothing to read.</summary>
    public void MarkLoaded() => _status = ShardStatus.Active;

    /// <summary>Stops timers; queued work still runs but answers COORDINATOR_NOT_AVAILABLE.</summary>
    public Task CloseAsync()
    {
        Executor.Post(() =>
        {
            _status = ShardStatus.Closed;
            foreach (var group in _groups.Values)
            {
                StopAllTimers(group);
            }
        });
        return Executor.StopAsync();
    }

    /// <summary>
    /// Appends records to this shard's partition in one batch and, once they are in the log, replays
    /// them: the only way persisted group state (offsets, generation, assignments) changes at run time.
    /// </summary>
    private ErrorCode Write(IReadOnlyList<(byte[] Key, byte[]? Value)> records)
    {
        if (records.Count == 0)
        {
            return ErrorCode.None;
        }
        var partition = _context.Replicas.GetPartition(TopicNames.ConsumerOffsets, PartitionIndex);
        if (partition is null)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        var now = NowMs;
        byte[] batch;
        using (var builder = new RecordBatchBuilder())
        {
            foreach (var (key, value) in records)
            {
                builder.Append(now, key, value);
            }
            batch = builder.ToArray();
        }
        var result = partition.AppendAsLeader(batch);
        if (result.Error != ErrorCode.None)
        {
            Logger.LogWarning("Appending {Count} records to {Topic}-{Partition} failed: {Error} {Message}",
                records.Count, TopicNames.ConsumerOffsets, PartitionIndex, result.Error, result.ErrorMessage);
            return result.Error switch
            {
                ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.RequestTimedOut => ErrorCode.CoordinatorNotAvailable,
                ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
                ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge => ErrorCode.InvalidCommitOffsetSize,
                _ => ErrorCode.UnknownServerError,
            };
        }
        foreach (var (key, value) in records)
        {
            // A null array would convert to an empty (non-null) memory: keep tombstones null.
            Replay(CoordinatorRecordSerde.Parse(key, value is null ? (ReadOnlyMemory<byte>?)null : value));
        }
        return ErrorCode.None;
    }

    /// <summary>Applies one record of the partition to the in-memory state (at write time and at load time alike).</summary>
    internal void Replay(CoordinatorRecord? record)
    {
        switch (record)
        {
            case CoordinatorRecord.OffsetCommit { Value: { } offset } commit:
                GetOrCreateGroup(commit.GroupId).Offsets[new TopicPartition(commit.Topic, commit.Partition)] = offset;
                break;
            case CoordinatorRecord.OffsetCommit commit:
                if (_groups.TryGetValue(commit.GroupId, out var withOffset))
                {
                    withOffset.Offsets.Remove(new TopicPartition(commit.Topic, commit.Partition));
                }
                break;
            case CoordinatorRecord.GroupMetadata { Value: { } value } metadata:
                ApplyGroupMetadata(GetOrCreateGroup(metadata.GroupId), value);
                break;
            case CoordinatorRecord.GroupMetadata metadata:
                if (_groups.TryGetValue(metadata.GroupId, out var removed))
                {
                    RemoveGroupMetadata(removed);
                }
                break;
        }
    }

    private void ApplyGroupMetadata(ClassicGroup group, GroupMetadataValue value)
    {
        group.GenerationId = value.generation;
        group.ProtocolType = string.IsNullOrEmpty(value.protocolType) ? null : value.protocolType;
        group.ProtocolName = value.protocol;
        group.LeaderId = value.leader;
        if (value.currentStateTimestamp >= 0)
        {
            group.CurrentStateTimestampMs = value.currentStateTimestamp;
        }
        var inRecord = new HashSet<string>(StringComparer.Ordinal);
        foreach (var persisted in value.members)
        {
            inRecord.Add(persisted.memberId);
            if (group.Members.TryGetValue(persisted.memberId, out var member))
            {
                member.Assignment = persisted.assignment.ToArray();
                continue;
            }
            member = new GroupMember(
                persisted.memberId,
                persisted.groupInstanceId,
                persisted.clientId,
                persisted.clientHost,
                persisted.rebalanceTimeout >= 0 ? persisted.rebalanceTimeout : persisted.sessionTimeout,
                persisted.sessionTimeout,
                [new MemberProtocol(value.protocol ?? "", persisted.subscription.ToArray())])
            {
                Assignment = persisted.assignment.ToArray(),
            };
            group.Add(member);
            group.LeaderId = value.leader;
        }
        if (_loading)
        {
            foreach (var gone in group.Members.Keys.Where(id => !inRecord.Contains(id)).ToList())
            {
                group.Remove(gone);
            }
            group.LoadedAs(group.Members.Count > 0 ? ClassicGroupState.Stable : ClassicGroupState.Empty);
            group.SubscribedTopics = ComputeSubscribedTopics(group);
        }
    }

    private void RemoveGroupMetadata(ClassicGroup group)
    {
        StopAllTimers(group);
        if (group.Offsets.Count == 0)
        {
            group.TransitionTo(ClassicGroupState.Dead, NowMs);
            _groups.Remove(group.GroupId);
            return;
        }
        // Offsets outlive the metadata (a load that meets the tombstone before the offsets' own): Kafka keeps such a group as a fresh empty one.
        var fresh = new ClassicGroup(group.GroupId, NowMs);
        foreach (var (tp, offset) in group.Offsets)
        {
            fresh.Offsets[tp] = offset;
        }
        group.TransitionTo(ClassicGroupState.Dead, NowMs);
        _groups[group.GroupId] = fresh;
    }

    private ClassicGroup GetOrCreateGroup(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            group = new ClassicGroup(groupId, NowMs);
            _groups[groupId] = group;
        }
        return group;
    }

    /// <summary>The GroupMetadataValue describing the group as it is now, with the given assignments (the members' current ones when null).</summary>
    private static GroupMetadataValue GroupValue(ClassicGroup group, IReadOnlyDictionary<string, byte[]>? assignments = null)
    {
        var value = new GroupMetadataValue
        {
            protocolType = group.ProtocolType ?? "",
            generation = group.GenerationId,
            protocol = group.ProtocolName,
            leader = group.LeaderId,
            currentStateTimestamp = group.CurrentStateTimestampMs,
        };
        foreach (var member in group.Members.Values)
        {
            value.members.Add(new GroupMetadataValue.MemberMetadata
            {
                memberId = member.MemberId,
                groupInstanceId = member.GroupInstanceId,
                clientId = member.ClientId,
                clientHost = member.ClientHost,
                rebalanceTimeout = member.RebalanceTimeoutMs,
                sessionTimeout = member.SessionTimeoutMs,
                subscription = member.MetadataFor(group.ProtocolName) ?? [],
                assignment = assignments is null ? member.Assignment : assignments.GetValueOrDefault(member.MemberId) ?? [],
            });
        }
        return value;
    }

    private ErrorCode StoreGroup(ClassicGroup group, IReadOnlyDictionary<string, byte[]>? assignments = null) =>
        Write([(CoordinatorRecordSerde.GroupMetadataKey(group.GroupId), CoordinatorRecordSerde.GroupMetadataValue(GroupValue(group, assignments)))]);

    /// <summary>Topics the consumer-protocol members subscribe to; null when any subscription cannot be read (then every topic counts as subscribed).</summary>
    private static HashSet<string>? ComputeSubscribedTopics(ClassicGroup group)
    {
        if (group.ProtocolType != ClassicGroup.ConsumerProtocolType || group.ProtocolName is null)
        {
            return group.Members.Count == 0 ? [] : null;
        }
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in group.Members.Values)
        {
            if (member.MetadataFor(group.ProtocolName) is not { } metadata || ConsumerSubscription.Topics(metadata) is not { } subscribed)
            {
                return null;
            }
            topics.UnionWith(subscribed);
        }
        return topics;
    }

    private ITimer Schedule(long delayMs, Action action) =>
        _context.Time.CreateTimer(_ => Executor.Post(action), null, TimeSpan.FromMilliseconds(Math.Max(0, delayMs)), Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Cancels the join and sync phase timers. Members' session timers, pending (KIP-394) members'
    /// ones included, keep running across rebalances, as in Kafka: a pending id whose owner never
    /// joins with it must still expire, or the join phase waits for it until the rebalance timeout.
    /// </summary>
    private static void CancelRebalanceTimers(ClassicGroup group)
    {
        group.TimerEpoch++;
        group.JoinTimer?.Dispose();
        group.JoinTimer = null;
        group.SyncTimer?.Dispose();
        group.SyncTimer = null;
    }

    /// <summary>Every timer of the group, for a group that is removed or a shard that closes.</summary>
    private static void StopAllTimers(ClassicGroup group)
    {
        CancelRebalanceTimers(group);
        foreach (var pending in group.PendingJoinMembers.Values)
        {
            pending.Dispose();
        }
        foreach (var member in group.Members.Values)
        {
            member.HeartbeatTimer?.Dispose();
        }
    }

    private bool IsCurrent(ClassicGroup group) => _groups.TryGetValue(group.GroupId, out var current) && ReferenceEquals(current, group) && !group.Is(ClassicGroupState.Dead);
}
