using System.Globalization;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// The share coordinator of this node (KIP-932): it keeps the state of every share-partition in
/// <c>__share_group_state</c>, each share-partition in the partition Kafka picks for its coordinator
/// key (the Java hash of <c>groupId:topicId:partition</c> modulo share.coordinator.state.topic.num.partitions),
/// each partition a <see cref="ShareCoordinatorShard"/> on its own executor. It is also the in-process
/// <see cref="IShareStatePersister"/>: a request is split into its share-partitions, each runs on
/// its shard, and the answers are put back together per topic in the request's order, so the
/// partition leader and the share-group state APIs go through the same code.
/// </summary>
public sealed class ShareCoordinator : IShareStatePersister, IAsyncDisposable
{
    private readonly ShareCoordinatorContext _context;
    private readonly CoordinatorShards<ShareCoordinatorShard> _shards;
    private ITimer? _pruneTimer;
    private ITimer? _coldSnapshotTimer;

    public ShareCoordinator(MetadataController metadata, ShareCoordinatorContext context)
    {
        _context = context;
        var topic = new CoordinatorTopic(
            TopicNames.ShareGroupState,
            () => context.Config().GetInt("share.coordinator.state.topic.num.partitions"),
            () => TopicConfigs(context.Config().GetInt("share.coordinator.state.topic.segment.bytes"), context.Config().GetShort("share.coordinator.state.topic.min.isr")));
        _shards = new CoordinatorShards<ShareCoordinatorShard>(topic, metadata, p => new ShareCoordinatorShard(p, context), s => s.Runtime, context.Logger);
    }

    /// <summary>
    /// The topic configs Kafka gives <c>__share_group_state</c>: delete, not compact (KIP-932: the
    /// coordinator itself decides which records are no longer needed), never expired by time, the
    /// producer's compression, and its own segment size and min.insync.replicas.
    /// </summary>
    public static Dictionary<string, string> TopicConfigs(int segmentBytes, short minIsr) => new()
    {
        ["cleanup.policy"] = "delete",
        ["compression.type"] = "producer",
        ["segment.bytes"] = segmentBytes.ToString(CultureInfo.InvariantCulture),
        ["min.insync.replicas"] = minIsr.ToString(CultureInfo.InvariantCulture),
        ["retention.ms"] = "-1",
    };

    /// <summary>
    /// A new metadata image: the share-partitions of topics it no longer holds are forgotten, on
    /// each serving shard (a shard still loading checks the image itself once loaded).
    /// </summary>
    public void OnMetadataImage(MetadataImage image)
    {
        foreach (var shard in _shards.Serving().Active)
        {
            shard.Executor.Post(() => shard.ForgetDeletedTopics(topicId => image.Topic(topicId) is null));
        }
    }

    /// <summary>Kafka's share.coordinator.state.topic.prune.interval.ms, an internal config there (5 minutes): how often redundant records are deleted.</summary>
    public const int PruneIntervalMs = 5 * 60 * 1000;

    /// <summary>Kafka's share.coordinator.cold.partition.snapshot.interval.ms, an internal config there (5 minutes): how old a share-partition's last snapshot may get.</summary>
    public const int ColdPartitionSnapshotIntervalMs = 5 * 60 * 1000;

    /// <summary>Loads an existing <c>__share_group_state</c> in the background and starts pruning it and snapshotting its cold share-partitions.</summary>
    public void Start(Action? beforeLoad = null)
    {
        _shards.Start(beforeLoad);
        var every = TimeSpan.FromMilliseconds(PruneIntervalMs);
        _pruneTimer = _context.Time.CreateTimer(_ => Prune(), null, every, every);
        var cold = TimeSpan.FromMilliseconds(ColdPartitionSnapshotIntervalMs);
        _coldSnapshotTimer = _context.Time.CreateTimer(_ => SnapshotColdPartitions(), null, cold, cold);
    }

    private void SnapshotColdPartitions()
    {
        foreach (var shard in _shards.Serving().Active)
        {
            shard.Executor.Post(() => shard.SnapshotColdPartitions(ColdPartitionSnapshotIntervalMs));
        }
    }

    private void Prune()
    {
        foreach (var shard in _shards.Serving().Active)
        {
            shard.Executor.Post(() => shard.PruneRedundantRecords());
        }
    }

    /// <summary>The partition of <c>__share_group_state</c> holding a coordinator key (<see cref="SharePartitionKey.CoordinatorKey"/>).</summary>
    public int PartitionFor(string coordinatorKey) => OffsetsTopic.PartitionFor(coordinatorKey, _shards.PartitionCount);

    /// <summary>Creates <c>__share_group_state</c> if needed (FindCoordinator of type SHARE does, as in Kafka).</summary>
    public ErrorCode EnsureTopic() => _shards.EnsureTopic();

    /// <summary>For tests: the shard holding a share-partition (null before the topic exists).</summary>
    public ShareCoordinatorShard? ShardOf(SharePartitionKey key) => _shards.All?[PartitionFor(key.CoordinatorKey)];

    /// <summary>For tests: completes once every shard has run what was queued before.</summary>
    public Task DrainAsync() => _shards.DrainAsync();

    public async Task<InitializeShareGroupStateResponseData> InitializeStateAsync(InitializeShareGroupStateRequestData request, CancellationToken cancellationToken = default) => new()
    {
        Results = await PerTopicAsync(request.GroupId, request.Topics, t => t.TopicId, t => t.Partitions, p => p.Partition,
            (shard, topicId, p) => shard.Initialize(request.GroupId, topicId, p),
            (p, e) => new InitializeShareGroupStateResponseData.PartitionResult { Partition = p, ErrorCode = (short)e.Error, ErrorMessage = e.Message },
            (topicId, results) => new InitializeShareGroupStateResponseData.InitializeStateResult { TopicId = topicId, Partitions = results }),
    };

    public async Task<ReadShareGroupStateResponseData> ReadStateAsync(ReadShareGroupStateRequestData request, CancellationToken cancellationToken = default) => new()
    {
        Results = await PerTopicAsync(request.GroupId, request.Topics, t => t.TopicId, t => t.Partitions, p => p.Partition,
            (shard, topicId, p) => shard.Read(request.GroupId, topicId, p),
            (p, e) => new ReadShareGroupStateResponseData.PartitionResult { Partition = p, ErrorCode = (short)e.Error, ErrorMessage = e.Message },
            (topicId, results) => new ReadShareGroupStateResponseData.ReadStateResult { TopicId = topicId, Partitions = results }),
    };

    public async Task<WriteShareGroupStateResponseData> WriteStateAsync(WriteShareGroupStateRequestData request, CancellationToken cancellationToken = default) => new()
    {
        Results = await PerTopicAsync(request.GroupId, request.Topics, t => t.TopicId, t => t.Partitions, p => p.Partition,
            (shard, topicId, p) => shard.Write(request.GroupId, topicId, p),
            (p, e) => new WriteShareGroupStateResponseData.PartitionResult { Partition = p, ErrorCode = (short)e.Error, ErrorMessage = e.Message },
            (topicId, results) => new WriteShareGroupStateResponseData.WriteStateResult { TopicId = topicId, Partitions = results }),
    };

    public async Task<DeleteShareGroupStateResponseData> DeleteStateAsync(DeleteShareGroupStateRequestData request, CancellationToken cancellationToken = default) => new()
    {
        Results = await PerTopicAsync(request.GroupId, request.Topics, t => t.TopicId, t => t.Partitions, p => p.Partition,
            (shard, topicId, p) => shard.Delete(request.GroupId, topicId, p),
            (p, e) => new DeleteShareGroupStateResponseData.PartitionResult { Partition = p, ErrorCode = (short)e.Error, ErrorMessage = e.Message },
            (topicId, results) => new DeleteShareGroupStateResponseData.DeleteStateResult { TopicId = topicId, Partitions = results }),
    };

    public async Task<ReadShareGroupStateSummaryResponseData> ReadStateSummaryAsync(ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken = default) => new()
    {
        Results = await PerTopicAsync(request.GroupId, request.Topics, t => t.TopicId, t => t.Partitions, p => p.Partition,
            (shard, topicId, p) => shard.ReadSummary(request.GroupId, topicId, p),
            (p, e) => new ReadShareGroupStateSummaryResponseData.PartitionResult { Partition = p, ErrorCode = (short)e.Error, ErrorMessage = e.Message },
            (topicId, results) => new ReadShareGroupStateSummaryResponseData.ReadStateSummaryResult { TopicId = topicId, Partitions = results }),
    };

    /// <summary>
    /// Every topic's results in the request's order. Kafka's share coordinator answers a request
    /// without a group id, without topics or with a topic without partitions with no results at all:
    /// there is no share-partition to answer for.
    /// </summary>
    private async Task<List<TTopicResult>> PerTopicAsync<TTopic, TPartition, TResult, TTopicResult>(string groupId, List<TTopic> topics,
        Func<TTopic, Uuid> topicIdOf, Func<TTopic, List<TPartition>> partitionsOf, Func<TPartition, int> partitionOf,
        Func<ShareCoordinatorShard, Uuid, TPartition, TResult> operation, Func<int, ShareStateError, TResult> failed, Func<Uuid, List<TResult>, TTopicResult> topicResult)
    {
        if (string.IsNullOrEmpty(groupId) || topics.Count == 0 || topics.Any(t => partitionsOf(t).Count == 0))
        {
            return [];
        }
        var results = new List<TTopicResult>(topics.Count);
        foreach (var topic in topics)
        {
            var topicId = topicIdOf(topic);
            var partitions = await RunAsync(groupId, topicId, partitionsOf(topic), partitionOf, (shard, p) => operation(shard, topicId, p), failed);
            results.Add(topicResult(topicId, [.. partitions]));
        }
        return results;
    }

    /// <summary>Runs the operation of each share-partition of one topic on its shard, all at once, and answers in the request's order.</summary>
    private async Task<TResult[]> RunAsync<TPartition, TResult>(string groupId, Uuid topicId, IEnumerable<TPartition> partitions, Func<TPartition, int> partitionOf,
        Func<ShareCoordinatorShard, TPartition, TResult> operation, Func<int, ShareStateError, TResult> failed)
    {
        var created = _shards.EnsureTopic();
        return await Task.WhenAll(partitions.Select(async p =>
        {
            var partition = partitionOf(p);
            if (created != ErrorCode.None)
            {
                return failed(partition, new ShareStateError(created, "Share coordinator is not available."));
            }
            var (shard, error) = _shards.Route(PartitionFor(new SharePartitionKey(groupId, topicId, partition).CoordinatorKey));
            if (shard is null)
            {
                return failed(partition, new ShareStateError(error, error == ErrorCode.CoordinatorLoadInProgress ? "The share coordinator is loading." : "Share coordinator is not available."));
            }
            try
            {
                return await shard.Executor.Submit(() => operation(shard, p));
            }
            catch (ObjectDisposedException)
            {
                return failed(partition, new ShareStateError(ErrorCode.CoordinatorNotAvailable, "Share coordinator is not available."));
            }
        }));
    }

    public async ValueTask DisposeAsync()
    {
        _pruneTimer?.Dispose();
        _coldSnapshotTimer?.Dispose();
        await _shards.CloseAsync();
    }
}
