using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// What a shard needs from the broker; <see cref="GroupConfigs"/> gives each group's own settings (KIP-848's GROUP configs),
/// <paramref name="Image"/> the topics (by name and id) as this node knows them now.
/// </summary>
public sealed record GroupCoordinatorContext(TimeProvider Time, Func<BrokerConfig> Config, ReplicaManager Replicas, ILogger Logger, GroupConfigs GroupConfigs,
    Func<MetadataImage> Image, IShareStatePersister? SharePersister = null, IShareGroupListener? ShareListener = null);

/// <summary>
/// The groups of one <c>__consumer_offsets</c> partition, a state machine driven by a
/// <see cref="CoordinatorRuntime"/>: the one executor all of them run on, and the only way
/// persisted state changes (records appended to the partition, then replayed; loading replays the
/// partition from its log start, so restart and normal operation go through the same
/// <see cref="Replay(CoordinatorRecord?, long, long)"/>). Every public method except <see cref="Executor"/>
/// and <see cref="Runtime"/> must run on the executor.
/// </summary>
public sealed partial class GroupCoordinatorShard : ICoordinatorShard
{
    /// <summary>Kafka's GroupCoordinator.NewMemberJoinTimeoutMs: how long a brand-new member may wait in its first join.</summary>
    public const int NewMemberJoinTimeoutMs = 300_000;

    private readonly GroupCoordinatorContext _context;
    private readonly Dictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
    private const long NoProducerId = -1;

    private readonly CoordinatorRuntime _runtime;
    private readonly PendingTransactionalOffsets _pendingTxnOffsets = new();
    private bool _loading;

    public GroupCoordinatorShard(int partitionIndex, GroupCoordinatorContext context)
    {
        PartitionIndex = partitionIndex;
        _context = context;
        _runtime = new CoordinatorRuntime(new TopicPartition(TopicNames.ConsumerOffsets, partitionIndex), context.Replicas, context.Time, context.Logger);
        _runtime.Attach(this);
    }

    public int PartitionIndex { get; }

    public SerialExecutor Executor => _runtime.Executor;

    private ILogger Logger => _context.Logger;

    private BrokerConfig Config => _context.Config();

    /// <summary>The settings a group runs with now: its GROUP configs over the broker's group.* configs.</summary>
    private GroupConfig GroupConfigOf(string groupId) => _context.GroupConfigs.For(groupId);

    private long NowMs => _context.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>For tests and DescribeGroups: the group, if this shard has it.</summary>
    public ClassicGroup? Group(string groupId) => _groups.GetValueOrDefault(groupId);

    public IEnumerable<ClassicGroup> Groups => _groups.Values;

    /// <summary>The runtime driving this shard: its executor, status, loading and appends.</summary>
    public CoordinatorRuntime Runtime => _runtime;

    void ICoordinatorShard.OnLoaded()
    {
        foreach (var group in _groups.Values)
        {
            foreach (var member in group.Members.Values)
            {
                ScheduleHeartbeat(group, member, member.SessionTimeoutMs);
            }
        }
        OnConsumerGroupsLoaded();
        OnShareGroupsLoaded();
    }

    void ICoordinatorShard.OnClosed()
    {
        foreach (var group in _groups.Values)
        {
            StopAllTimers(group);
        }
        foreach (var group in _consumerGroups.Values)
        {
            StopConsumerGroupTimers(group);
        }
        foreach (var group in _shareGroups.Values)
        {
            StopShareGroupTimers(group);
        }
    }

    void ICoordinatorShard.Replay(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading) =>
        ((ICoordinatorShard)this).Replay(-1, NoProducerId, -1, key, value, loading);

    void ICoordinatorShard.Replay(long offset, long producerId, short producerEpoch, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value, bool loading)
    {
        _loading = loading;
        Replay(CoordinatorRecordSerde.Parse(key, value), offset, producerId);
    }

    /// <summary>
    /// A transaction's marker: on COMMIT its pending offsets become the committed ones, each only
    /// where its record is later than the committed offset's (a plain commit made meanwhile wins, as
    /// in Kafka, which keeps compaction of the topic from materialising the wrong one); on ABORT
    /// they vanish.
    /// </summary>
    void ICoordinatorShard.ReplayEndTransactionMarker(long producerId, short producerEpoch, bool commit)
    {
        if (_pendingTxnOffsets.End(producerId) is not { } pending || !commit)
        {
            return;
        }
        foreach (var ((groupId, partition), offset) in pending)
        {
            var group = GetOrCreateGroup(groupId);
            if (!group.Offsets.TryGetValue(partition, out var committed) || offset.RecordOffset > committed.RecordOffset)
            {
                group.Offsets[partition] = offset;
            }
        }
    }

    /// <summary>Appends records to this shard's partition and replays them: the only way persisted group state (offsets, generation, assignments) changes at run time.</summary>
    private ErrorCode Write(IReadOnlyList<(byte[] Key, byte[]? Value)> records) => _runtime.Append(records);

    /// <summary>
    /// Applies one record of the partition, written at <paramref name="recordOffset"/>, to the
    /// in-memory state (at write time and at load time alike). An offset commit in a transaction of
    /// <paramref name="producerId"/> stays pending until the transaction's marker; a tombstone
    /// removes the committed offset and every pending one of the partition.
    /// </summary>
    internal void Replay(CoordinatorRecord? record, long recordOffset = -1, long producerId = NoProducerId)
    {
        switch (record)
        {
            case CoordinatorRecord.OffsetCommit { Value: { } offset } commit:
            {
                // A group that only commits offsets exists as a simple group (no protocol type), as in Kafka.
                var group = GetOrCreateGroup(commit.GroupId);
                var partition = new TopicPartition(commit.Topic, commit.Partition);
                if (producerId == NoProducerId)
                {
                    group.Offsets[partition] = offset with { RecordOffset = recordOffset };
                }
                else
                {
                    _pendingTxnOffsets.Add(producerId, commit.GroupId, partition, offset with { RecordOffset = recordOffset });
                }
                break;
            }
            case CoordinatorRecord.OffsetCommit commit:
                if (_groups.TryGetValue(commit.GroupId, out var withOffset))
                {
                    withOffset.Offsets.Remove(new TopicPartition(commit.Topic, commit.Partition));
                }
                _pendingTxnOffsets.Remove(commit.GroupId, new TopicPartition(commit.Topic, commit.Partition));
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
            default:
                if (!ReplayConsumerGroup(record))
                {
                    ReplayShareGroup(record);
                }
                break;
        }
    }

    private void ApplyGroupMetadata(ClassicGroup group, GroupMetadataValue value)
    {
        group.GenerationId = value.Generation;
        group.ProtocolType = string.IsNullOrEmpty(value.ProtocolType) ? null : value.ProtocolType;
        group.ProtocolName = value.Protocol;
        group.LeaderId = value.Leader;
        if (value.CurrentStateTimestamp >= 0)
        {
            group.CurrentStateTimestampMs = value.CurrentStateTimestamp;
        }
        var inRecord = new HashSet<string>(StringComparer.Ordinal);
        foreach (var persisted in value.Members)
        {
            inRecord.Add(persisted.MemberId);
            if (group.Members.TryGetValue(persisted.MemberId, out var member))
            {
                member.Assignment = persisted.Assignment.ToArray();
                continue;
            }
            member = new GroupMember(
                persisted.MemberId,
                persisted.GroupInstanceId,
                persisted.ClientId,
                persisted.ClientHost,
                persisted.RebalanceTimeout >= 0 ? persisted.RebalanceTimeout : persisted.SessionTimeout,
                persisted.SessionTimeout,
                [new MemberProtocol(value.Protocol ?? "", persisted.Subscription.ToArray())])
            {
                Assignment = persisted.Assignment.ToArray(),
            };
            group.Add(member);
            group.LeaderId = value.Leader;
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
            ProtocolType = group.ProtocolType ?? "",
            Generation = group.GenerationId,
            Protocol = group.ProtocolName,
            Leader = group.LeaderId,
            CurrentStateTimestamp = group.CurrentStateTimestampMs,
        };
        foreach (var member in group.Members.Values)
        {
            value.Members.Add(new GroupMetadataValue.MemberMetadata
            {
                MemberId = member.MemberId,
                GroupInstanceId = member.GroupInstanceId,
                ClientId = member.ClientId,
                ClientHost = member.ClientHost,
                RebalanceTimeout = member.RebalanceTimeoutMs,
                SessionTimeout = member.SessionTimeoutMs,
                Subscription = member.MetadataFor(group.ProtocolName) ?? [],
                Assignment = assignments is null ? member.Assignment : assignments.GetValueOrDefault(member.MemberId) ?? [],
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

    private ITimer Schedule(long delayMs, Action action) => _runtime.Schedule(delayMs, action);

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
