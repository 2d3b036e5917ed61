using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// The classic group coordinator of this node, which coordinates every group. Groups are spread over
/// the partitions of <c>__consumer_offsets</c> exactly as Kafka spreads them; each partition is a
/// <see cref="GroupCoordinatorShard"/> with its own executor, so handlers only submit work and await
/// answers. The topic is created the first time a group needs it.
/// </summary>
public sealed partial class GroupCoordinator : IAsyncDisposable, IMetadataPublisher
{
    private readonly GroupCoordinatorContext _context;
    private readonly MetadataController _metadata;
    private readonly CoordinatorShards<GroupCoordinatorShard> _shards;
    private ITimer? _retentionTimer;
    private MetadataImage _published;

    /// <summary>
    /// Share groups (KIP-932) keep their share-partition state through <c>sharePersister</c> (the share
    /// coordinator; without it no share partition is ever assigned).
    /// </summary>
    public GroupCoordinator(BrokerState broker, MetadataController metadata, ReplicaManager replicas, TimeProvider time, ILogger logger,
        IShareStatePersister? sharePersister = null)
    {
        _context = new GroupCoordinatorContext(time, () => broker.Config, replicas, logger, new GroupConfigs(() => metadata.Image, () => broker.Config), () => metadata.Image, sharePersister);
        _metadata = metadata;
        _published = metadata.Image;
        var topic = new CoordinatorTopic(
            TopicNames.ConsumerOffsets,
            () => broker.Config.OffsetsTopicNumPartitions,
            () => OffsetsTopic.TopicConfigs(broker.Config.OffsetsTopicSegmentBytes));
        _shards = new CoordinatorShards<GroupCoordinatorShard>(topic, metadata, p => new GroupCoordinatorShard(p, _context), s => s.Runtime, logger);
    }

    /// <summary>Every group's own settings (GROUP configs over the broker's): the seam the share and streams coordinators read too.</summary>
    public GroupConfigs Configs => _context.GroupConfigs;

    /// <summary>Loads the partitions of an existing <c>__consumer_offsets</c> (in the background: requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS) and starts offset expiry.</summary>
    public void Start()
    {
        _shards.Start(() => HoldLoading?.Wait());
        var interval = TimeSpan.FromMilliseconds(_context.Config().OffsetsRetentionCheckIntervalMs);
        _retentionTimer = _context.Time.CreateTimer(_ => ExpireOffsets(), null, interval, interval);
    }

    /// <summary>The partition of <c>__consumer_offsets</c> holding the group (the topic's real partition count once it exists).</summary>
    public int PartitionFor(string groupId) => OffsetsTopic.PartitionFor(groupId, _shards.PartitionCount);

    /// <summary>Creates <c>__consumer_offsets</c> if it does not exist yet (FindCoordinator does this, as in Kafka).</summary>
    public ErrorCode EnsureOffsetsTopic() => _shards.EnsureTopic();

    /// <summary>The shard of a group, or the error every request for it gets now.</summary>
    private (GroupCoordinatorShard? Shard, ErrorCode Error) Route(string groupId)
    {
        var created = _shards.EnsureTopic();
        return created != ErrorCode.None ? (null, created) : _shards.Route(PartitionFor(groupId));
    }

    public async Task<JoinGroupResponseData> JoinGroupAsync(JoinGroupParams join)
    {
        var (shard, error) = Route(join.GroupId);
        if (shard is null)
        {
            return new JoinGroupResponseData { ErrorCode = (short)error, GenerationId = -1, MemberId = join.MemberId, Leader = "", ProtocolName = null };
        }
        return await await shard.Executor.Submit(() => shard.ShareGroupRefusal(join.GroupId, ErrorCode.InconsistentGroupProtocol) is { } refused
            ? Task.FromResult(new JoinGroupResponseData { ErrorCode = (short)refused.Error, GenerationId = -1, MemberId = join.MemberId, Leader = "", ProtocolName = null })
            : shard.Join(join));
    }

    public async Task<SyncGroupResponseData> SyncGroupAsync(SyncGroupParams sync)
    {
        var (shard, error) = Route(sync.GroupId);
        if (shard is null)
        {
            return new SyncGroupResponseData { ErrorCode = (short)error, Assignment = Array.Empty<byte>() };
        }
        return await await shard.Executor.Submit(() => shard.Sync(sync));
    }

    /// <summary>ConsumerGroupHeartbeat (KIP-848) for the group's shard, with the topics as this node's metadata image has them now.</summary>
    public Task<ConsumerGroupHeartbeatResponseData> ConsumerGroupHeartbeatAsync(ConsumerGroupHeartbeatRequestData request, short version, string clientId, string clientHost)
    {
        var (shard, error) = Route(request.GroupId);
        if (shard is null)
        {
            return Task.FromResult(new ConsumerGroupHeartbeatResponseData { ErrorCode = (short)error });
        }
        var image = _metadata.Image;
        return shard.Executor.Submit(() => shard.ShareGroupRefusal(request.GroupId) is { } refused
            ? new ConsumerGroupHeartbeatResponseData { ErrorCode = (short)refused.Error, ErrorMessage = refused.Message }
            : shard.ConsumerGroupHeartbeat(request, version, clientId, clientHost, image));
    }

    /// <summary>
    /// ConsumerGroupDescribe (KIP-848), in the order asked: an empty group id is INVALID_GROUP_ID
    /// (described with an empty id, as Kafka does); a group whose shard cannot answer gets the routing
    /// error with Kafka's message for it; the rest are described by their shards, with the topics as
    /// this node's metadata image has them now.
    /// </summary>
    public async Task<IReadOnlyList<ConsumerGroupDescribeResponseData.DescribedGroup>> ConsumerGroupDescribeAsync(IReadOnlyList<string> groupIds)
    {
        var image = _metadata.Image;
        var described = new List<ConsumerGroupDescribeResponseData.DescribedGroup>(groupIds.Count);
        foreach (var groupId in groupIds)
        {
            if (string.IsNullOrEmpty(groupId))
            {
                described.Add(ConsumerGroupDescribeError("", ErrorCode.InvalidGroupId, null));
                continue;
            }
            var (shard, error) = Route(groupId);
            described.Add(shard is null
                ? ConsumerGroupDescribeError(groupId, error, CoordinatorErrorMessage(error))
                : await shard.Executor.Submit(() => shard.ShareGroupRefusal(groupId) is { } refused
                    ? ConsumerGroupDescribeError(groupId, refused.Error, refused.Message)
                    : shard.DescribeConsumerGroup(groupId, image)));
        }
        return described;
    }

    /// <summary>A group described by its error alone.</summary>
    public static ConsumerGroupDescribeResponseData.DescribedGroup ConsumerGroupDescribeError(string groupId, ErrorCode error, string? message) =>
        new() { GroupId = groupId, ErrorCode = (short)error, ErrorMessage = message, GroupState = "", AssignorName = "" };

    /// <summary>Kafka's own descriptions of the routing errors, which its group-describing APIs send as the message.</summary>
    private static string? CoordinatorErrorMessage(ErrorCode error) => error switch
    {
        ErrorCode.CoordinatorNotAvailable => "The coordinator is not available.",
        ErrorCode.NotCoordinator => "This is not the correct coordinator.",
        ErrorCode.CoordinatorLoadInProgress => "The coordinator is loading and hence can't process requests.",
        _ => null,
    };

    public Task<ErrorCode> HeartbeatAsync(string groupId, string memberId, string? groupInstanceId, int generationId)
    {
        var (shard, error) = Route(groupId);
        return shard is null ? Task.FromResult(error) : shard.Executor.Submit(() => shard.Heartbeat(groupId, memberId, groupInstanceId, generationId));
    }

    public Task<LeaveGroupResult> LeaveGroupAsync(string groupId, IReadOnlyList<MemberIdentity> members)
    {
        var (shard, error) = Route(groupId);
        return shard is null
            ? Task.FromResult(new LeaveGroupResult(error, []))
            : shard.Executor.Submit(() => shard.Leave(groupId, members));
    }

    public Task<IReadOnlyList<ErrorCode>> CommitOffsetsAsync(OffsetCommitParams commit)
    {
        var (shard, error) = Route(commit.GroupId);
        if (shard is null)
        {
            return Task.FromResult<IReadOnlyList<ErrorCode>>(commit.Offsets.Select(_ => error).ToList());
        }
        var image = _metadata.Image;
        return shard.Executor.Submit(() => shard.ShareGroupRefusal(commit.GroupId) is { } refused
            ? commit.Offsets.Select(_ => refused.Error).ToList()
            : shard.CommitOffsets(commit, entry => PartitionError(image, entry.Topic, entry.Partition)));
    }

    /// <summary>TxnOffsetCommit: the offsets stay pending until the transaction's marker reaches the group's partition (<see cref="CompleteTransactionAsync"/>).</summary>
    public Task<IReadOnlyList<ErrorCode>> CommitTransactionalOffsetsAsync(TxnOffsetCommitParams commit)
    {
        var (shard, error) = Route(commit.GroupId);
        if (shard is null)
        {
            return Task.FromResult<IReadOnlyList<ErrorCode>>(commit.Offsets.Select(_ => error).ToList());
        }
        var image = _metadata.Image;
        return shard.Executor.Submit(() => shard.ShareGroupRefusal(commit.GroupId) is { } refused
            ? commit.Offsets.Select(_ => refused.Error).ToList()
            : shard.CommitTransactionalOffsets(commit, entry => PartitionError(image, entry.Topic, entry.Partition)));
    }

    /// <summary>
    /// WriteTxnMarkers for a partition of <c>__consumer_offsets</c>: writes the COMMIT or ABORT marker
    /// of the producer's transaction there (with the log's producer and coordinator epoch checks) and
    /// replays it, which makes the transaction's offsets committed or drops them. Kafka's errors: a
    /// partition this node has no shard for is NOT_COORDINATOR, one still loading
    /// COORDINATOR_LOAD_IN_PROGRESS; a refused marker, the log's error (INVALID_PRODUCER_EPOCH,
    /// TRANSACTION_COORDINATOR_FENCED).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="offsetsPartition"/> is not a partition of <c>__consumer_offsets</c>.</exception>
    public Task<ErrorCode> CompleteTransactionAsync(TopicPartition offsetsPartition, long producerId, short producerEpoch, int coordinatorEpoch, bool commit, short transactionVersion = 0)
    {
        if (offsetsPartition.Topic != TopicNames.ConsumerOffsets)
        {
            throw new ArgumentException($"{offsetsPartition} is not a partition of {TopicNames.ConsumerOffsets}", nameof(offsetsPartition));
        }
        if (_shards.All is not { } shards || offsetsPartition.Partition < 0 || offsetsPartition.Partition >= shards.Count)
        {
            return Task.FromResult(ErrorCode.NotCoordinator);
        }
        var (shard, error) = _shards.Route(offsetsPartition.Partition);
        if (shard is null)
        {
            return Task.FromResult(error == ErrorCode.CoordinatorLoadInProgress ? error : ErrorCode.NotCoordinator);
        }
        return shard.Executor.Submit(() => shard.Runtime.CompleteTransaction(producerId, producerEpoch, coordinatorEpoch, commit, transactionVersion));
    }

    /// <summary>OffsetFetch; <paramref name="requireStable"/> (v7+) answers UNSTABLE_OFFSET_COMMIT for partitions with a transaction pending; <paramref name="memberId"/> and <paramref name="memberEpoch"/> (v9+) name a consumer-group member.</summary>
    public Task<OffsetFetchResult> FetchOffsetsAsync(string groupId, IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)>? topics, bool requireStable = false,
        string? memberId = null, int memberEpoch = -1)
    {
        var (shard, error) = Route(groupId);
        return shard is null
            ? Task.FromResult(new OffsetFetchResult(error, []))
            : shard.Executor.Submit(() => shard.ShareGroupRefusal(groupId) is { } refused
                ? new OffsetFetchResult(refused.Error, [])
                : shard.FetchOffsets(groupId, topics, requireStable, memberId, memberEpoch));
    }

    public Task<OffsetDeleteResult> DeleteOffsetsAsync(string groupId, IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        var (shard, error) = Route(groupId);
        if (shard is null)
        {
            return Task.FromResult(new OffsetDeleteResult(error, []));
        }
        var image = _metadata.Image;
        return shard.Executor.Submit(() => shard.ShareGroupRefusal(groupId) is { } refused
            ? new OffsetDeleteResult(refused.Error, [])
            : shard.DeleteOffsets(groupId, partitions, (topic, partition) => PartitionError(image, topic, partition)));
    }

    public async Task<DescribeGroupsResponseData.DescribedGroup> DescribeGroupAsync(string groupId)
    {
        var (shard, error) = Route(groupId);
        if (shard is null)
        {
            return new DescribeGroupsResponseData.DescribedGroup { GroupId = groupId, ErrorCode = (short)error, GroupState = "", ProtocolType = "", ProtocolData = "" };
        }
        return await shard.Executor.Submit(() => shard.DescribeShareGroupAsClassic(groupId) ?? shard.Describe(groupId));
    }

    /// <summary>Every classic group of every loaded shard; COORDINATOR_LOAD_IN_PROGRESS while any is still loading.</summary>
    public Task<(ErrorCode Error, IReadOnlyList<ListedGroup> Groups)> ListGroupsAsync(IReadOnlySet<ClassicGroupState>? states) =>
        ListGroupsAsync(states, consumerStates: null, classic: true, consumer: false);

    /// <summary>
    /// ListGroups over every loaded shard: the classic groups in <paramref name="classicStates"/> and
    /// the KIP-848 consumer groups whose state name (case-insensitive) is in <paramref name="consumerStates"/>
    /// (null: any state), as the group types asked for; COORDINATOR_LOAD_IN_PROGRESS while any shard is still loading.
    /// </summary>
    public async Task<(ErrorCode Error, IReadOnlyList<ListedGroup> Groups)> ListGroupsAsync(IReadOnlySet<ClassicGroupState>? classicStates,
        IReadOnlySet<string>? consumerStates, bool classic, bool consumer, bool share = false)
    {
        var (active, loading) = _shards.Serving();
        var error = loading ? ErrorCode.CoordinatorLoadInProgress : ErrorCode.None;
        var lists = await Task.WhenAll(active.Select(s => s.Executor.Submit(() =>
            (classic ? s.List(classicStates) : []).Concat(consumer ? s.ListConsumerGroups(consumerStates) : []).Concat(share ? s.ListShareGroups(consumerStates) : []).ToList())));
        return (error, lists.SelectMany(l => l).ToList());
    }

    public async Task<ErrorCode> DeleteGroupAsync(string groupId)
    {
        var (shard, error) = Route(groupId);
        if (shard is null)
        {
            return error;
        }
        return await shard.Executor.Submit(() => shard.PrepareShareGroupDeletion(groupId)) is { } share
            ? await DeleteShareGroupAsync(shard, groupId, share)
            : await shard.Executor.Submit(() => shard.DeleteGroup(groupId));
    }

    /// <summary>Runs offset expiry on every shard now (the retention timer calls this every offsets.retention.check.interval.ms).</summary>
    public Task<int[]> ExpireOffsets()
    {
        return Task.WhenAll(_shards.Serving().Active.Select(s => s.Executor.Submit(s.ExpireOffsets)));
    }

    /// <summary>For tests: while set and not signalled, shards stay loading (requests get COORDINATOR_LOAD_IN_PROGRESS).</summary>
    internal ManualResetEventSlim? HoldLoading { get; set; }

    /// <summary>
    /// A new metadata image (Kafka's GroupCoordinatorService.onNewMetadataImage): every shard is told
    /// which topics were created, deleted or given partitions since the last one, so that consumer
    /// groups subscribed to them follow (KIP-848). Published by the metadata loader, in order.
    /// </summary>
    public void OnMetadataUpdate(MetadataImage image, LoaderManifest manifest)
    {
        var previous = Interlocked.Exchange(ref _published, image);
        var created = image.Topics.Values.Any(t => previous.Topic(t.Id) is null);
        var changed = image.Topics.Values.Where(t => previous.Topic(t.Id) is not { } before || before.Partitions.Length != t.Partitions.Length).Select(t => t.Name)
            .Concat(previous.Topics.Values.Where(t => image.Topic(t.Id) is null).Select(t => t.Name))
            .ToHashSet(StringComparer.Ordinal);
        // The offset of the image's last record: the version a regular expression's resolution records.
        var version = manifest.SnapshotId.Offset - 1;
        var deleted = previous.Topics.Values.Where(t => image.Topic(t.Id) is null).Select(t => t.Id).ToHashSet();
        foreach (var shard in _shards.All ?? [])
        {
            shard.Executor.Post(() => shard.OnNewMetadataImage(image, version, changed, created));
            if (deleted.Count > 0)
            {
                shard.Executor.Post(() => shard.CleanupDeletedShareTopics(deleted));
            }
        }
    }

    /// <summary>For tests: completes once every shard has run what was queued before (timer expirations and background results included).</summary>
    public async Task DrainAsync()
    {
        await Task.WhenAll((_shards.All ?? []).Select(s => s.BackgroundIdleAsync()));
        await _shards.DrainAsync();
    }

    /// <summary>For tests: the shard holding a group (null before the topic exists).</summary>
    public GroupCoordinatorShard? ShardOf(string groupId) => _shards.All?[PartitionFor(groupId)];

    private static ErrorCode PartitionError(MetadataImage image, string topic, int partition) =>
        image.Topic(topic) is { } t && partition >= 0 && partition < t.Partitions.Length ? ErrorCode.None : ErrorCode.UnknownTopicOrPartition;

    public async ValueTask DisposeAsync()
    {
        _retentionTimer?.Dispose();
        await _shards.CloseAsync();
    }
}
