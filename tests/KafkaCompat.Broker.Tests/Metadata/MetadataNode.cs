using KafkaCompat.Broker.Metadata;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>
/// The metadata path as the server composes it, over a log manager's files: the metadata log
/// journal, the broker's loader with a snapshot generator, and the controller, started.
/// </summary>
internal sealed class MetadataNode : IDisposable
{
    private readonly LogManager? _ownedLogs;

    public MetadataNode(LogManager logs, IFileSystem files, TimeProvider time, MetadataLogConfig? config = null, IMetadataListener? observer = null)
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
        Controller = new MetadataController(Counted, 1);
        Loader.Install(new SnapshotGenerator(Journal, config, time, NullLogger.Instance));
        Journal.Start();
    }

    private MetadataNode(LogManager logs, IFileSystem files, TimeProvider time, MetadataLogConfig? config, IMetadataListener? observer, bool owned)
        : this(logs, files, time, config, observer)
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
    public static MetadataNode Open(IFileSystem? files = null, TimeProvider? time = null, MetadataLogConfig? config = null, IMetadataListener? observer = null, LogConfig? defaultLogConfig = null)
    {
        files ??= new MemoryFileSystem();
        time ??= TimeProvider.System;
        var logs = LogManager.Start(files, new LogManagerConfig { LogDirs = ["/data"], NodeId = 1, ClusterId = "test-cluster", DefaultConfig = defaultLogConfig ?? LogConfig.Default }, time);
        try
        {
            return new MetadataNode(logs, files, time, config, observer, owned: true);
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
