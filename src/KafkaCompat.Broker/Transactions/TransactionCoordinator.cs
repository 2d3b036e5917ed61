using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// The transaction coordinator of this node. Transactional ids are spread over the partitions of
/// <c>__transaction_state</c> as Kafka spreads them (the Java hash of the id modulo
/// transaction.state.log.num.partitions); each partition is a <see cref="TransactionCoordinatorShard"/>
/// on its own executor. The topic is created the first time a transactional producer needs it.
/// </summary>
public sealed class TransactionCoordinator : IAsyncDisposable
{
    private readonly TransactionCoordinatorContext _context;
    private readonly CoordinatorShards<TransactionCoordinatorShard> _shards;
    private ITimer? _abortTimer;
    private ITimer? _expiryTimer;

    public TransactionCoordinator(MetadataController metadata, TransactionCoordinatorContext context)
    {
        _context = context;
        var topic = new CoordinatorTopic(
            TopicNames.TransactionState,
            () => context.Config().GetInt("transaction.state.log.num.partitions"),
            () => TopicConfigs(context.Config().GetInt("transaction.state.log.segment.bytes")));
        _shards = new CoordinatorShards<TransactionCoordinatorShard>(topic, metadata, p => new TransactionCoordinatorShard(p, context), s => s.Runtime, context.Logger);
    }

    /// <summary>The topic configs Kafka gives <c>__transaction_state</c>: compacted, never compressed.</summary>
    public static Dictionary<string, string> TopicConfigs(int segmentBytes) => new()
    {
        ["cleanup.policy"] = "compact",
        ["compression.type"] = "uncompressed",
        ["segment.bytes"] = segmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Loads an existing <c>__transaction_state</c> in the background and starts the timeout and expiry timers.</summary>
    public void Start()
    {
        _shards.Start();
        var config = _context.Config();
        var abortEvery = TimeSpan.FromMilliseconds(config.GetInt("transaction.abort.timed.out.transaction.cleanup.interval.ms"));
        _abortTimer = _context.Time.CreateTimer(_ => OnEveryShard(s => s.AbortTimedOutTransactions()), null, abortEvery, abortEvery);
        var expireEvery = TimeSpan.FromMilliseconds(config.GetInt("transaction.remove.expired.transaction.cleanup.interval.ms"));
        _expiryTimer = _context.Time.CreateTimer(_ => OnEveryShard(s => s.RemoveExpiredTransactionalIds()), null, expireEvery, expireEvery);
    }

    /// <summary>The partition of <c>__transaction_state</c> holding a transactional id.</summary>
    public int PartitionFor(string transactionalId) => OffsetsTopic.PartitionFor(transactionalId, _shards.PartitionCount);

    /// <summary>Creates <c>__transaction_state</c> if needed (FindCoordinator of type TRANSACTION does, as in Kafka).</summary>
    public ErrorCode EnsureTopic() => _shards.EnsureTopic();

    public async Task<InitProducerIdResult> InitProducerIdAsync(string transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch)
    {
        var (shard, error) = Route(transactionalId);
        return shard is null
            ? InitProducerIdResult.Failed(error)
            : await shard.Executor.Submit(() => shard.InitProducerId(transactionalId, timeoutMs, expectedProducerId, expectedEpoch));
    }

    public async Task<ErrorCode> AddPartitionsAsync(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions, short clientTransactionVersion = 0)
    {
        var (shard, error) = Route(transactionalId);
        return shard is null ? error : await shard.Executor.Submit(() => shard.AddPartitions(transactionalId, producerId, producerEpoch, partitions, clientTransactionVersion));
    }

    public async Task<(ErrorCode Error, IReadOnlyDictionary<TopicPartition, ErrorCode> Partitions)> VerifyPartitionsAsync(string transactionalId, long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions)
    {
        var (shard, error) = Route(transactionalId);
        return shard is null
            ? (error, new Dictionary<TopicPartition, ErrorCode>())
            : await shard.Executor.Submit(() => shard.VerifyPartitions(transactionalId, producerId, producerEpoch, partitions));
    }

    /// <summary>
    /// What a partition leader asks before a transactional append (KIP-890): per partition, None when
    /// it is in the producer's ongoing transaction, else the coordinator's error. With
    /// <paramref name="add"/> (a producer of transaction version 2, Kafka's ADD_PARTITION operation)
    /// the partitions are added to the transaction instead, with one answer for all.
    /// </summary>
    public async Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> VerifyOrAddPartitionsAsync(string transactionalId, long producerId, short producerEpoch,
        IReadOnlyCollection<TopicPartition> partitions, bool add)
    {
        if (add)
        {
            var added = await AddPartitionsAsync(transactionalId, producerId, producerEpoch, partitions, TransactionMetadata.TransactionVersion2).ConfigureAwait(false);
            return partitions.Distinct().ToDictionary(tp => tp, _ => added);
        }
        var (error, verified) = await VerifyPartitionsAsync(transactionalId, producerId, producerEpoch, partitions).ConfigureAwait(false);
        return partitions.Distinct().ToDictionary(tp => tp, tp => error != ErrorCode.None ? error : verified.GetValueOrDefault(tp, ErrorCode.InvalidTxnState));
    }

    public async Task<EndTxnResult> EndTransactionAsync(string transactionalId, long producerId, short producerEpoch, bool commit, short clientTransactionVersion = 0)
    {
        var (shard, error) = Route(transactionalId);
        return shard is null ? EndTxnResult.Classic(error) : await shard.Executor.Submit(() => shard.EndTransaction(transactionalId, producerId, producerEpoch, commit, clientTransactionVersion));
    }

    /// <summary>The transactional id's entry, or the error DescribeTransactions reports for it.</summary>
    public async Task<(ErrorCode Error, TransactionMetadata? Metadata)> DescribeAsync(string transactionalId)
    {
        var (shard, error) = Route(transactionalId);
        if (shard is null)
        {
            return (error, null);
        }
        var metadata = await shard.Executor.Submit(() => shard.Transaction(transactionalId));
        return metadata is null or { State: TransactionState.Dead } ? (ErrorCode.TransactionalIdNotFound, null) : (ErrorCode.None, metadata);
    }

    /// <summary>Every transactional id of every loaded shard; COORDINATOR_LOAD_IN_PROGRESS while any is still loading.</summary>
    public async Task<(ErrorCode Error, IReadOnlyList<TransactionMetadata> Transactions)> ListAsync()
    {
        var (active, loading) = _shards.Serving();
        var lists = await Task.WhenAll(active.Select(s => s.Executor.Submit(() => s.Transactions.ToList())));
        return (loading ? ErrorCode.CoordinatorLoadInProgress : ErrorCode.None, [.. lists.SelectMany(l => l)]);
    }

    /// <summary>For tests: completes once every shard has run what was queued before.</summary>
    public Task DrainAsync() => _shards.DrainAsync();

    /// <summary>For tests: the shard holding a transactional id (null before the topic exists).</summary>
    public TransactionCoordinatorShard? ShardOf(string transactionalId) => _shards.All?[PartitionFor(transactionalId)];

    private (TransactionCoordinatorShard? Shard, ErrorCode Error) Route(string transactionalId)
    {
        var created = _shards.EnsureTopic();
        return created != ErrorCode.None ? (null, created) : _shards.Route(PartitionFor(transactionalId));
    }

    private void OnEveryShard(Func<TransactionCoordinatorShard, int> work)
    {
        foreach (var shard in _shards.Serving().Active)
        {
            shard.Executor.Post(() => work(shard));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _abortTimer?.Dispose();
        _expiryTimer?.Dispose();
        await _shards.CloseAsync();
    }
}
