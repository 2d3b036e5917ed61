using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>
/// The metadata path as the server composes it, over a log manager's files: the metadata log
/// journal, the broker's loader with a snapshot generator, and the controller, started, with broker 1
/// registered and unfenced as the server's start-up does (topics are placed on registered brokers).
/// </summary>
internal sealed class MetadataNode : IDisposable
{
    private readonly LogManager? _ownedLogs;

    public MetadataNode(LogManager logs, IFileSystem files, TimeProvider time, MetadataLogConfig? config = null, IMetadataListener? observer = null, long sessionTimeoutMs = TestSessionTimeoutMs,
        int? localBrokerId = null)
    {
        config ??= new MetadataLogConfig();
        Journal = new LogMetadataJournal(logs, files, config, time, NullLogger.Instance);
        Loader = new MetadataLoader();
        Journal.Register(Loader);
        if (observer is not null)
        {
            Journal.Register(observer);
        }
        Counted = new CountingJournal(Journal);
        Controller = new MetadataController(Counted, 1, new ClusterControlConfig(ClusterId, sessionTimeoutMs, localBrokerId), time: time);
        Loader.Install(new SnapshotGenerator(Journal, config, time, NullLogger.Instance));
        Journal.Start();
        if (Controller.Image.Cluster.Broker(1) is null)
        {
            Register(1);
        }
        RegisteredEndOffset = Journal.LogEndOffset;
        RegistrationAppends = Counted.Appends;
    }

    /// <summary>The metadata log's end once broker 1 is registered: where a test's own records begin.</summary>
    public long RegisteredEndOffset { get; }

    /// <summary>The appends the registration of broker 1 made.</summary>
    public int RegistrationAppends { get; }

    /// <summary>
    /// Broker sessions of a test node last a year: its brokers do not heartbeat, and tests move the
    /// clock far (session expiry has its own tests, at Kafka's 9 s).
    /// </summary>
    public const long TestSessionTimeoutMs = 365L * 24 * 3600 * 1000;

    public const string ClusterId = "test-cluster";

    /// <summary>
    /// Registers broker <paramref name="brokerId"/> and heartbeats it until unfenced, as a starting broker
    /// does (a reopened node finds broker 1 registered in its log and keeps it). Returns its epoch.
    /// </summary>
    public long Register(int brokerId, string? rack = null, string host = "localhost", int port = 9092)
    {
        var request = new BrokerRegistrationRequestData { BrokerId = brokerId, ClusterId = ClusterId, IncarnationId = new Uuid(0x1ca, brokerId), Rack = rack };
        request.Listeners.Add(new BrokerRegistrationRequestData.Listener { Name = "PLAINTEXT", Host = host, Port = (ushort)port, SecurityProtocol = 0 });
        request.Features.Add(new BrokerRegistrationRequestData.Feature { Name = "metadata.version", MinSupportedVersion = 1, MaxSupportedVersion = 25 });
        request.Features.Add(new BrokerRegistrationRequestData.Feature { Name = "transaction.version", MinSupportedVersion = 0, MaxSupportedVersion = 2 });
        request.Features.Add(new BrokerRegistrationRequestData.Feature { Name = "group.version", MinSupportedVersion = 0, MaxSupportedVersion = 1 });
        request.Features.Add(new BrokerRegistrationRequestData.Feature { Name = "share.version", MinSupportedVersion = 0, MaxSupportedVersion = 1 });
        var registered = Controller.RegisterBroker(request).GetAwaiter().GetResult();
        if (!registered.Result.IsOk)
        {
            throw new InvalidOperationException($"broker {brokerId} registration failed: {registered.Result}");
        }
        var heartbeat = Controller.BrokerHeartbeat(new BrokerHeartbeatRequestData { BrokerId = brokerId, BrokerEpoch = registered.BrokerEpoch, CurrentMetadataOffset = Loader.HighestOffset })
            .GetAwaiter().GetResult();
        if (heartbeat.IsFenced)
        {
            throw new InvalidOperationException($"broker {brokerId} stayed fenced: {heartbeat}");
        }
        return registered.BrokerEpoch;
    }

    private MetadataNode(LogManager logs, IFileSystem files, TimeProvider time, MetadataLogConfig? config, IMetadataListener? observer, bool owned, long sessionTimeoutMs, int? localBrokerId)
        : this(logs, files, time, config, observer, sessionTimeoutMs, localBrokerId)
    {
        _ownedLogs = owned ? logs : null;
    }

    public LogMetadataJournal Journal { get; }

    /// <summary>The journal as the controller sees it, counting its appends.</summary>
    public CountingJournal Counted { get; }

    public MetadataLoader Loader { get; }

    public MetadataController Controller { get; }

    /// <summary>The node's own log manager (null when the caller passed one).</summary>
    public LogManager? Logs => _ownedLogs;

    /// <summary>A node over its own log manager on <paramref name="files"/> (a new in-memory file system when null).</summary>
    public static MetadataNode Open(IFileSystem? files = null, TimeProvider? time = null, MetadataLogConfig? config = null, IMetadataListener? observer = null, LogConfig? defaultLogConfig = null,
        long sessionTimeoutMs = TestSessionTimeoutMs, int? localBrokerId = null)
    {
        files ??= new MemoryFileSystem();
        time ??= TimeProvider.System;
        var logs = LogManager.Start(files, new LogManagerConfig { LogDirs = ["/data"], NodeId = 1, ClusterId = "test-cluster", DefaultConfig = defaultLogConfig ?? LogConfig.Default }, time);
        try
        {
            return new MetadataNode(logs, files, time, config, observer, owned: true, sessionTimeoutMs, localBrokerId);
        }
        catch
        {
            logs.Shutdown();
            throw;
        }
    }

    public void Dispose()
    {
        Journal.Dispose();
        Controller.StopAsync().GetAwaiter().GetResult();
        _ownedLogs?.Shutdown();
    }
}
