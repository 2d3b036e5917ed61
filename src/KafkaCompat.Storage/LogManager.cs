using System.Collections.Concurrent;

namespace KafkaCompat.Storage;

/// <summary>
/// Owns every partition log of the broker's log dirs: loads them at start (checking meta.properties),
/// creates and deletes them, runs retention, producer-id expiration and flush.ms checks on timers,
/// compaction on the log cleaner's thread, and closes everything cleanly at shutdown.
/// </summary>
public sealed class LogManager : IDisposable
{
    private readonly IFileSystem _fileSystem;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<TopicPartition, PartitionLog> _logs = new();
    private readonly Lock _createLock = new();
    private readonly List<ITimer> _timers = [];
    private int _retentionRunning;
    private bool _shutdown;

    private LogManager(IFileSystem fileSystem, LogManagerConfig config, TimeProvider time)
    {
        _fileSystem = fileSystem;
        Config = config;
        _time = time;
        Cleaner = new LogCleaner(fileSystem, config.Cleaner, time, () => Logs);
        Cleaner.Error += (topicPartition, e) => BackgroundError?.Invoke(topicPartition, e);
    }

    /// <summary>An error in a background task (retention, flush): the task goes on with the other logs.</summary>
    public event Action<TopicPartition, Exception>? BackgroundError;

    public LogManagerConfig Config { get; }

    /// <summary>Compaction; its thread runs when log.cleaner.enable is true and log.cleaner.threads is above 0.</summary>
    public LogCleaner Cleaner { get; }

    public IReadOnlyList<string> LogDirs => Config.LogDirs;

    public IReadOnlyCollection<PartitionLog> Logs => [.. _logs.Values];

    /// <summary>
    /// Opens the log dirs and every partition log in them, and starts the background tasks.
    /// <paramref name="configFor"/> gives each existing partition its topic config (broker defaults when null).
    /// </summary>
    /// <exception cref="InvalidOperationException">A log dir's meta.properties names another node or cluster.</exception>
    public static LogManager Start(IFileSystem fileSystem, LogManagerConfig config, TimeProvider time, Func<TopicPartition, LogConfig>? configFor = null)
    {
        var manager = new LogManager(fileSystem, config, time);
        var metaProperties = new MetaProperties(config.NodeId, config.ClusterId);
        foreach (string logDir in config.LogDirs)
        {
            fileSystem.CreateDirectory(logDir);
            metaProperties.EnsureMatches(fileSystem, logDir);
        }

        foreach (string logDir in config.LogDirs)
        {
            var partitions = new List<TopicPartition>();
            foreach (string directory in fileSystem.ListDirectories(logDir))
            {
                // Anything else (e.g. a directory left by another tool) is not ours to load.
                if (TopicPartition.TryParse(Path.GetFileName(directory), out TopicPartition topicPartition))
                {
                    partitions.Add(topicPartition);
                }
            }

            Parallel.ForEach(
                partitions,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, config.RecoveryThreadsPerDataDir) },
                topicPartition =>
                {
                    LogConfig logConfig = configFor?.Invoke(topicPartition) ?? config.DefaultConfig;
                    manager._logs[topicPartition] = PartitionLog.Open(fileSystem, logDir, topicPartition, logConfig, time);
                });
        }

        manager.StartTimer(config.RetentionCheckIntervalMs, () => manager.CleanupLogs());
        manager.StartTimer(config.FlushSchedulerIntervalMs, () => manager.FlushDirtyLogs());
        manager.StartTimer(config.ProducerIdExpirationCheckIntervalMs, () => manager.RemoveExpiredProducers());
        if (config.Cleaner.Enable && config.Cleaner.Threads > 0)
        {
            manager.Cleaner.Start();
        }

        return manager;
    }

    public PartitionLog? GetLog(TopicPartition topicPartition) => _logs.GetValueOrDefault(topicPartition);

    /// <summary>The partition's log, created (in the log dir holding the fewest partitions) when missing.</summary>
    public PartitionLog GetOrCreateLog(TopicPartition topicPartition, LogConfig? config = null)
    {
        if (_logs.TryGetValue(topicPartition, out PartitionLog? existing))
        {
            return existing;
        }

        lock (_createLock)
        {
            ObjectDisposedException.ThrowIf(_shutdown, this);
            if (_logs.TryGetValue(topicPartition, out existing))
            {
                return existing;
            }

            string logDir = LogDirs
                .OrderBy(dir => _logs.Values.Count(log => Path.GetDirectoryName(log.Directory) == Path.TrimEndingDirectorySeparator(dir)))
                .First();
            PartitionLog log = PartitionLog.Open(_fileSystem, logDir, topicPartition, config ?? Config.DefaultConfig, _time);
            _logs[topicPartition] = log;
            return log;
        }
    }

    /// <summary>Removes the partition's log and its files (DeleteTopics); false when there was none.</summary>
    public bool DeleteLog(TopicPartition topicPartition)
    {
        if (!_logs.TryRemove(topicPartition, out PartitionLog? log))
        {
            return false;
        }

        log.Delete();
        Cleaner.Forget(log);
        return true;
    }

    /// <summary>Applies a topic's changed config to its partitions.</summary>
    public void UpdateTopicConfig(string topic, LogConfig config)
    {
        foreach ((TopicPartition topicPartition, PartitionLog log) in _logs)
        {
            if (topicPartition.Topic == topic)
            {
                log.UpdateConfig(config);
            }
        }
    }

    /// <summary>One retention pass over every log (the timer runs it every log.retention.check.interval.ms); returns the segments deleted.</summary>
    public int CleanupLogs()
    {
        if (Interlocked.Exchange(ref _retentionRunning, 1) == 1)
        {
            return 0;
        }

        try
        {
            long nowMs = NowMs();
            return ForEachLog(log => log.ApplyRetention(nowMs));
        }
        finally
        {
            Volatile.Write(ref _retentionRunning, 0);
        }
    }

    /// <summary>Flushes the logs whose flush.ms has passed.</summary>
    public void FlushDirtyLogs()
    {
        long nowMs = NowMs();
        ForEachLog(log =>
        {
            log.FlushIfDue(nowMs);
            return 0;
        });
    }

    public int RemoveExpiredProducers()
    {
        long nowMs = NowMs();
        return ForEachLog(log => log.RemoveExpiredProducers(nowMs, Config.ProducerIdExpirationMs));
    }

    /// <summary>Stops the background tasks and closes every log cleanly (flush, snapshots, clean-shutdown markers).</summary>
    public void Shutdown()
    {
        lock (_createLock)
        {
            if (_shutdown)
            {
                return;
            }

            _shutdown = true;
        }

        foreach (ITimer timer in _timers)
        {
            timer.Dispose();
        }

        // A clean in progress is abandoned (its .cleaned files removed) before the logs close.
        Cleaner.Stop();

        Parallel.ForEach(
            _logs.Values,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Config.RecoveryThreadsPerDataDir) },
            log => log.Close());
    }

    public void Dispose() => Shutdown();

    private void StartTimer(long intervalMs, Action task)
    {
        // Long.MaxValue is Kafka's "never"; TimeSpan cannot hold it anyway.
        if (intervalMs <= 0 || intervalMs >= int.MaxValue)
        {
            return;
        }

        var interval = TimeSpan.FromMilliseconds(intervalMs);
        _timers.Add(_time.CreateTimer(_ => task(), null, interval, interval));
    }

    private int ForEachLog(Func<PartitionLog, int> action)
    {
        int total = 0;
        foreach ((TopicPartition topicPartition, PartitionLog log) in _logs)
        {
            try
            {
                total += action(log);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                BackgroundError?.Invoke(topicPartition, e);
            }
        }

        return total;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
