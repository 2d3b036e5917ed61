using System.Net;
using System.Net.Sockets;
using KafkaCompat.Broker;
using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Lifecycle;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Server.Storage;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Server;

/// <summary>
/// One broker, composed: log manager, metadata log and controller, replica
/// manager, the handler table and the network listeners. Used by the
/// executable and, in-process, by tests.
/// </summary>
public sealed class KafkaCompatServer : IAsyncDisposable
{
    private readonly LogManager _logs;
    private readonly KafkaServerHost _host;
    private readonly GroupCoordinator _groups;
    private readonly TransactionCoordinator _transactions;
    private readonly ShareCoordinator _shares;
    private readonly LogMetadataJournal _journal;
    private readonly MetadataController _controller;
    private readonly ILogger _logger;
    private readonly SharePartitionManager _shareFetches;
    private readonly BrokerLifecycleManager _lifecycle;
    private int _stopped;

    private KafkaCompatServer(LogManager logs, KafkaServerHost host, GroupCoordinator groups, TransactionCoordinator transactions, ShareCoordinator shares,
        SharePartitionManager shareFetches, LogMetadataJournal journal, MetadataController controller, BrokerState broker, BrokerLifecycleManager lifecycle, ILogger logger)
    {
        _lifecycle = lifecycle;
        _shares = shares;
        _shareFetches = shareFetches;
        _logs = logs;
        _host = host;
        _groups = groups;
        _transactions = transactions;
        _journal = journal;
        _controller = controller;
        Broker = broker;
        _logger = logger;
    }

    public BrokerState Broker { get; }

    /// <summary>This broker's registration with the controller (KIP-631).</summary>
    public BrokerLifecycleManager Lifecycle => _lifecycle;

    public IReadOnlyList<ListenerEndpoint> BoundListeners => _host.BoundListeners;

    /// <summary>host:port of the first listener, for clients' bootstrap.servers.</summary>
    public string BootstrapServers => string.Join(",", Broker.AdvertisedListeners.Select(l => $"{(l.Host.Contains(':') ? $"[{l.Host}]" : l.Host)}:{l.Port}"));

    /// <param name="config">The broker's configuration.</param>
    /// <param name="loggerFactory">Where the broker logs.</param>
    /// <param name="time">The clock (the system's when null).</param>
    /// <param name="cancellationToken">Stops the start-up.</param>
    /// <exception cref="ConfigException">The configuration asks for something this broker does not serve.</exception>
    /// <exception cref="InvalidOperationException">The storage is not formatted for this node (process.roles given), or belongs to another node or cluster.</exception>
    public static async Task<KafkaCompatServer> StartAsync(BrokerConfig config, ILoggerFactory loggerFactory, TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        // Before the log directories are touched: a refused configuration leaves nothing behind.
        ServedSecurityProtocols.EnsureServed(config);
        ServedQuorum.EnsureServed(config);
        time ??= TimeProvider.System;
        var logger = loggerFactory.CreateLogger("KafkaCompat");
        var fileSystem = new DiskFileSystem();
        var clusterId = NodeStorage.Prepare(fileSystem, config, logger);
        var logs = LogManager.Start(fileSystem, new LogManagerConfig
        {
            LogDirs = config.LogDirs,
            NodeId = config.NodeId,
            ClusterId = clusterId,
            DefaultConfig = TopicConfigs.ToLogConfig(config, new Dictionary<string, string>()),
            RetentionCheckIntervalMs = config.LogRetentionCheckIntervalMs,
            FlushSchedulerIntervalMs = config.LogFlushSchedulerIntervalMs,
            ProducerIdExpirationMs = config.ProducerIdExpirationMs,
            RecoveryThreadsPerDataDir = config.GetInt("num.recovery.threads.per.data.dir"),
            Cleaner = new CleanerConfig
            {
                Enable = config.GetBool("log.cleaner.enable"),
                Threads = config.GetInt("log.cleaner.threads"),
                BackoffMs = config.GetLong("log.cleaner.backoff.ms"),
                DedupeBufferSize = config.GetLong("log.cleaner.dedupe.buffer.size"),
                DedupeBufferLoadFactor = config.GetDouble("log.cleaner.io.buffer.load.factor"),
                IoBufferSize = config.GetInt("log.cleaner.io.buffer.size"),
            },
        }, time);
        logs.Cleaner.Cleaned += (topicPartition, stats) => logger.LogInformation(
            "Cleaned {TopicPartition} up to offset {EndOffset}: {Segments} segments, {BytesRead} bytes read, {BytesWritten} bytes written in {ElapsedMs} ms",
            topicPartition, stats.EndOffset, stats.SegmentsCleaned, stats.BytesRead, stats.BytesWritten, (long)stats.Elapsed.TotalMilliseconds);
        logs.BackgroundError += (topicPartition, e) => logger.LogError(e, "A background task on {TopicPartition} failed", topicPartition);
        LogMetadataJournal? journal = null;
        try
        {
            // The metadata path: the journal replays its latest snapshot and the log after it to the
            // broker's loader first, then to the controller; the loader's publishers see only committed images.
            var metadataConfig = MetadataLogConfig.From(config);
            journal = new LogMetadataJournal(logs, fileSystem, metadataConfig, time, loggerFactory.CreateLogger<LogMetadataJournal>());
            var loader = new MetadataLoader();
            journal.Register(loader);
            var controller = new MetadataController(journal, config.NodeId, new ClusterControlConfig(clusterId, config.GetInt("broker.session.timeout.ms"), LocalBrokerId: config.NodeId),
                loggerFactory.CreateLogger<MetadataController>(), time);
            loader.Install(new SnapshotGenerator(journal, metadataConfig, time, loggerFactory.CreateLogger<SnapshotGenerator>()));
            journal.Start();
            var broker = new BrokerState(config, clusterId);
            broker.Apply(loader.Image);
            // Dynamic broker configs come back from the metadata log: name those not acted on, as the
            // static ones are named when they are loaded.
            foreach (var warning in ConfigsNotActedOn.ForBrokerConfigs(broker.Config.DynamicDefaultConfigs.Keys.Concat(broker.Config.DynamicBrokerConfigs.Keys).Order(StringComparer.Ordinal)))
            {
                logger.LogWarning("{Warning}", warning);
            }
            var replicas = new ReplicaManager(logs, broker, loggerFactory.CreateLogger<ReplicaManager>());
            replicas.Sync(loader.Image);
            loader.Install(image =>
            {
                broker.Apply(image);
                replicas.Sync(image);
            });

            // Share groups (KIP-932) keep share-partition state on the share coordinator: the group
            // coordinator initializes it there before assigning a partition, and the partition leader
            // (the share-partition manager of ShareFetch) reads and writes it. As in Kafka, a leader
            // learns that a member is gone only from its share session (closed, or its connection
            // lost) or from lock expiry, never from the group coordinator, which may be another node.
            var shares = new ShareCoordinator(controller, new ShareCoordinatorContext(time, () => broker.Config, replicas, () => loader.Image,
                loggerFactory.CreateLogger<ShareCoordinator>()));
            shares.Start();
            loader.Install(shares.OnMetadataImage);
            var groups = new GroupCoordinator(broker, controller, replicas, time, loggerFactory.CreateLogger<GroupCoordinator>(), shares);
            groups.Start();
            var shareFetches = new SharePartitionManager(shares, groupId => ShareGroupSettings.Of(groups.Configs.For(groupId), broker.Config),
                config.GetInt("group.share.max.share.sessions"), time, loggerFactory.CreateLogger<SharePartitionManager>());
            loader.Install(shareFetches.OnMetadataImage);
            // Consumer groups follow topic changes (KIP-848): new partitions, topics created or deleted.
            loader.Install(groups);
            // Markers go to this node's partitions through the WriteTxnMarkers handler's own code.
            var markers = new LocalTransactionMarkerWriter(new WriteTxnMarkersHandler(replicas, controller, groups));
            var transactions = new TransactionCoordinator(controller, new TransactionCoordinatorContext(time, () => broker.Config, replicas,
                loggerFactory.CreateLogger<TransactionCoordinator>(), new ProducerIdManager(controller).NextProducerId, markers, () => BrokerFeatures.TransactionVersion));
            transactions.Start();

            var (table, apiVersions) = BrokerHandlers.Compose(controller, broker, replicas, groups, transactions, shares, shareFetches, time, loggerFactory);
            var dispatcher = new RequestDispatcher(table, apiVersions, loggerFactory.CreateLogger<RequestDispatcher>());
            // As Kafka's broker, requests are processed only once the controller has unfenced this broker:
            // the listeners are bound first, because the registration names their ports.
            var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var lifecycle = new BrokerLifecycleManager(
                new BrokerLifecycleConfig(config.NodeId, clusterId, config.GetString("broker.rack"), config.GetInt("broker.heartbeat.interval.ms"), config.GetInt("initial.broker.registration.timeout.ms")),
                new LocalControllerChannel(() => table, config.NodeId), () => loader.HighestOffset, time, loggerFactory.CreateLogger<BrokerLifecycleManager>());
            var network = new NetworkOptions
            {
                Listeners = config.Listeners.Select(l => new ListenerEndpoint(l.ListenerName, new IPEndPoint(Resolve(l.Host), l.Port), l.SecurityProtocol.KafkaName())).ToList(),
                MaxRequestBytes = config.SocketRequestMaxBytes,
                MaxIdle = TimeSpan.FromMilliseconds(config.ConnectionsMaxIdleMs),
            };
            var host = new KafkaServerHost(network, new ServingGate(dispatcher, serving.Task), loggerFactory);
            await host.StartAsync(cancellationToken);
            broker.Bind(host.BoundListeners.ToDictionary(l => l.Name, l => l.EndPoint.Port));
            try
            {
                await lifecycle.StartAsync(broker.AdvertisedListeners, cancellationToken);
            }
            catch
            {
                serving.TrySetCanceled(CancellationToken.None);
                await lifecycle.DisposeAsync();
                await host.DisposeAsync();
                throw;
            }
            serving.TrySetResult();
            var server = new KafkaCompatServer(logs, host, groups, transactions, shares, shareFetches, journal, controller, broker, lifecycle, logger);
            logger.LogInformation("KafkaCompat node {NodeId} of cluster {ClusterId} started: listening on {Listeners}, advertising {Advertised}, data in {LogDirs}",
                config.NodeId, clusterId, string.Join(",", host.BoundListeners.Select(l => $"{l.Name}://{l.EndPoint}")),
                string.Join(",", broker.AdvertisedListeners), string.Join(",", config.LogDirs));
            return server;
        }
        catch
        {
            journal?.Dispose();
            logs.Shutdown();
            throw;
        }
    }

    /// <summary>Kafka binds a listener's host as given; empty means every interface, localhost the loopback.</summary>
    private static IPAddress Resolve(string host) => host switch
    {
        "" or "0.0.0.0" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        _ when IPAddress.TryParse(host, out var ip) => ip,
        _ => Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First(),
    };

    /// <summary>Stops accepting, lets in-flight requests finish, then flushes logs and writes checkpoints.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        _logger.LogInformation("KafkaCompat node {NodeId} shutting down", Broker.NodeId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // Controlled shutdown first, while still serving, as Kafka's broker does.
        await _lifecycle.ControlledShutdownAsync(timeout.Token);
        await _lifecycle.DisposeAsync();
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Connections still open after 10 s were closed");
        }
        // The transaction coordinator first: its marker retries append to partitions of every topic.
        await _transactions.DisposeAsync();
        await _shares.DisposeAsync();
        await _groups.DisposeAsync();
        _shareFetches.Dispose();
        // Queued metadata changes are written before the logs close.
        _journal.Dispose();
        await _controller.StopAsync();
        _logs.Shutdown();
        _logger.LogInformation("KafkaCompat node {NodeId} shut down cleanly", Broker.NodeId);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _host.DisposeAsync();
    }
}
