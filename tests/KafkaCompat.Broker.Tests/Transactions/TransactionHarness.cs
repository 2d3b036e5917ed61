using System.Collections.Concurrent;
using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Metadata;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Transactions;

/// <summary>
/// A transaction coordinator over the real storage stack (in-memory files, metadata controller,
/// replica manager), a hand-moved clock and a marker path the test controls;
/// <see cref="RestartAsync"/> reopens everything on the same files and journal.
/// </summary>
internal sealed class TransactionHarness : IAsyncDisposable
{
    public const string TransactionalId = "payments-tx";
    public const int TimeoutMs = 60_000;

    private readonly MemoryFileSystem _files = new();
    private readonly Dictionary<string, string> _configs;
    private LogManager _logs = null!;
    private MetadataNode _metadata = null!;
    private readonly short _transactionVersionLevel;

    // transactionVersionLevel: the finalized transaction.version, which picks the value version written (the server finalizes 2).
    public TransactionHarness(Dictionary<string, string>? configs = null, short transactionVersionLevel = 0)
    {
        _transactionVersionLevel = transactionVersionLevel;
        _configs = new Dictionary<string, string>
        {
            ["transaction.state.log.num.partitions"] = "3",
            ["log.dirs"] = "/data",
        };
        foreach (var (k, v) in configs ?? [])
        {
            _configs[k] = v;
        }
        Open();
    }

    public FakeTime Time { get; } = new();

    public RecordingMarkerWriter Markers { get; } = new();

    public TransactionCoordinator Coordinator { get; private set; } = null!;

    public MetadataController Metadata { get; private set; } = null!;

    public ReplicaManager Replicas { get; private set; } = null!;

    public TransactionCoordinatorShard Shard => Coordinator.ShardOf(TransactionalId)!;

    public TransactionMetadata? State(string transactionalId = TransactionalId) => Coordinator.ShardOf(transactionalId)?.Transaction(transactionalId);

    private void Open()
    {
        var broker = new BrokerState(BrokerConfig.Create(_configs), "test-cluster");
        _logs = LogManager.Start(_files, new LogManagerConfig { LogDirs = broker.Config.LogDirs, NodeId = 1, ClusterId = "test-cluster" }, Time);
        _metadata = new MetadataNode(_logs, _files, Time);
        Metadata = _metadata.Controller;
        var replicas = Replicas = new ReplicaManager(_logs, broker, NullLogger<ReplicaManager>.Instance);
        replicas.Sync(_metadata.Loader.Image);
        _metadata.Loader.Install(replicas.Sync);
        var producerIds = new ProducerIdManager(Metadata);
        var context = new TransactionCoordinatorContext(Time, () => broker.Config, replicas, NullLogger.Instance, producerIds.NextProducerId, Markers, () => _transactionVersionLevel);
        Coordinator = new TransactionCoordinator(Metadata, context);
        Coordinator.Start();
        Assert.That(Coordinator.EnsureTopic(), Is.EqualTo(ErrorCode.None));
    }

    /// <summary>Stops the broker cleanly and starts it again on the same data, then waits for the shards to load.</summary>
    public async Task RestartAsync()
    {
        await Coordinator.DisposeAsync();
        _metadata.Dispose();
        _logs.Shutdown();
        Open();
        await SettleAsync();
    }

    /// <summary>Lets every shard run what is queued (marker answers and timer expirations included).</summary>
    public async Task SettleAsync()
    {
        for (var i = 0; i < 4; i++)
        {
            await Coordinator.DrainAsync();
            await Task.Yield();
        }
    }

    /// <summary>
    /// Settles until <paramref name="condition"/> holds: a released marker answer comes back on the
    /// thread pool, so a fixed number of drains can run before it. Fails after 10 s (a bound against
    /// hanging, not a timing assertion).
    /// </summary>
    public async Task SettleUntilAsync(Func<bool> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(10))
            {
                Assert.Fail($"not true after 10 s: {what}");
            }
            await SettleAsync();
            await Task.Delay(1);
        }
    }

    /// <summary>Moves the clock timer by timer, letting the shards run what each expiry queued.</summary>
    public Task AdvanceAsync(long ms) => Time.AdvanceSettlingAsync(ms, SettleAsync);

    public Task<InitProducerIdResult> InitAsync(string transactionalId = TransactionalId, int timeoutMs = TimeoutMs, long expectedProducerId = -1, short expectedEpoch = -1) =>
        Coordinator.InitProducerIdAsync(transactionalId, timeoutMs, expectedProducerId, expectedEpoch);

    public Task<ErrorCode> AddAsync(InitProducerIdResult producer, params TopicPartition[] partitions) =>
        Coordinator.AddPartitionsAsync(TransactionalId, producer.ProducerId, producer.ProducerEpoch, partitions);

    public async Task<ErrorCode> EndAsync(InitProducerIdResult producer, bool commit) =>
        (await Coordinator.EndTransactionAsync(TransactionalId, producer.ProducerId, producer.ProducerEpoch, commit)).Error;

    /// <summary>EndTxn of transaction version 2 (EndTxn v5) at the given producer id and epoch.</summary>
    public Task<EndTxnResult> EndV2Async(long producerId, short producerEpoch, bool commit) =>
        Coordinator.EndTransactionAsync(TransactionalId, producerId, producerEpoch, commit, TransactionMetadata.TransactionVersion2);

    /// <summary>An implicit add of transaction version 2 (a partition leader's, for Produce v12+).</summary>
    public Task<ErrorCode> AddV2Async(long producerId, short producerEpoch, params TopicPartition[] partitions) =>
        Coordinator.AddPartitionsAsync(TransactionalId, producerId, producerEpoch, partitions, TransactionMetadata.TransactionVersion2);

    public async ValueTask DisposeAsync()
    {
        await Coordinator.DisposeAsync();
        _metadata.Dispose();
        _logs.Shutdown();
    }
}

/// <summary>The marker path of the tests: records every request; answers at once with the errors set in <see cref="Failing"/>, or, while <see cref="Hold"/> is set, not until released.</summary>
internal sealed class RecordingMarkerWriter : ITransactionMarkerWriter
{
    private readonly ConcurrentQueue<TransactionMarkers> _sent = new();

    /// <summary>Partitions that answer this error (until removed).</summary>
    public ConcurrentDictionary<TopicPartition, ErrorCode> Failing { get; } = new();

    /// <summary>While not null, answers wait for this task.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public IReadOnlyList<TransactionMarkers> Sent => [.. _sent];

    public async Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> WriteAsync(TransactionMarkers markers)
    {
        _sent.Enqueue(markers);
        if (Hold is { } hold)
        {
            await hold.Task;
        }
        return markers.Partitions.ToDictionary(tp => tp, tp => Failing.GetValueOrDefault(tp, ErrorCode.None));
    }
}
