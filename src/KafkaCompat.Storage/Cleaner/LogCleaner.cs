namespace KafkaCompat.Storage;

/// <summary>
/// Log compaction for the logs whose cleanup.policy includes <c>compact</c>: one background thread
/// (log.cleaner.threads above 0 and log.cleaner.enable) that cleans the filthiest log, again and
/// again, and sleeps log.cleaner.backoff.ms when none needs it. Owned by the <see cref="LogManager"/>.
/// </summary>
public sealed class LogCleaner : IDisposable
{
    private readonly IFileSystem _fileSystem;
    private readonly CleanerConfig _config;
    private readonly TimeProvider _time;
    private readonly Func<IReadOnlyCollection<PartitionLog>> _logs;
    private readonly LogCleanerManager _manager;
    private readonly Lock _lock = new();
    private readonly HashSet<TopicPartition> _uncleanable = [];
    private readonly CancellationTokenSource _stopping = new();
    private Cleaner? _cleaner;
    private Thread? _thread;

    internal LogCleaner(IFileSystem fileSystem, CleanerConfig config, TimeProvider time, Func<IReadOnlyCollection<PartitionLog>> logs)
    {
        _fileSystem = fileSystem;
        _config = config;
        _time = time;
        _logs = logs;
        _manager = new LogCleanerManager(fileSystem);
    }

    /// <summary>A log was cleaned (for logging and tests).</summary>
    public event Action<TopicPartition, CleanerStats>? Cleaned;

    /// <summary>
    /// Cleaning a log failed (I/O, a corrupt batch): as Kafka (KIP-346) the log is marked uncleanable
    /// and left alone until the broker restarts; the other logs go on being cleaned.
    /// </summary>
    public event Action<TopicPartition, Exception>? Error;

    public bool IsRunning => _thread is { IsAlive: true };

    /// <summary>The partitions whose cleaning failed.</summary>
    public IReadOnlyCollection<TopicPartition> UncleanablePartitions
    {
        get
        {
            lock (_lock)
            {
                return [.. _uncleanable];
            }
        }
    }

    /// <summary>Starts the cleaner thread.</summary>
    public void Start()
    {
        if (_thread is not null)
        {
            return;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "kafka-log-cleaner-thread-0" };
        _thread.Start();
    }

    /// <summary>Where the next clean of the partition starts (its cleaner-offset-checkpoint entry), or null.</summary>
    public long? FirstDirtyOffset(PartitionLog log)
    {
        lock (_lock)
        {
            return _manager.Checkpoint(log);
        }
    }

    /// <summary>
    /// Cleans the filthiest compacted log, if one needs it, and checkpoints where the next clean
    /// starts. Returns what the clean did, or null when no log needed cleaning or the clean was
    /// abandoned because the log changed meanwhile.
    /// </summary>
    public CleanerStats? CleanFilthiestLog() => CleanFilthiestLog(CancellationToken.None);

    public void Stop()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _thread?.Join();
    }

    public void Dispose()
    {
        Stop();
        _stopping.Dispose();
    }

    /// <summary>Drops the partition's checkpoint entry (its log was deleted).</summary>
    internal void Forget(PartitionLog log)
    {
        lock (_lock)
        {
            _manager.Remove(log);
            _uncleanable.Remove(log.TopicPartition);
        }
    }

    private CleanerStats? CleanFilthiestLog(CancellationToken cancellation)
    {
        lock (_lock)
        {
            IReadOnlyCollection<PartitionLog> logs = _logs();
            long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (_manager.GrabFilthiestLog(logs, nowMs, _uncleanable) is not { } toClean)
            {
                return null;
            }

            TopicPartition topicPartition = toClean.Log.TopicPartition;
            try
            {
                // The map is allocated once, at the first clean: a broker with no compacted log never pays for it.
                _cleaner ??= new Cleaner(new OffsetMap(_config.MapMemoryPerThread, _config.DedupeBufferLoadFactor), _config.IoBufferPerThread, _time);
                CleanerStats? stats = _cleaner.Clean(toClean, cancellation);
                if (stats is null)
                {
                    return null;
                }

                _manager.UpdateCheckpoint(toClean.Log, stats.EndOffset, _logs());
                Cleaned?.Invoke(topicPartition, stats);
                return stats;
            }
            catch (ObjectDisposedException)
            {
                // The log was closed or deleted while it was being cleaned: nothing to clean any more.
                return null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever went wrong (I/O, a corrupt batch, a bug) stays with this partition: the
                // broker and the cleaning of the other logs go on, as Kafka's cleaner thread does.
                _uncleanable.Add(topicPartition);
                Error?.Invoke(topicPartition, e);
                return null;
            }
        }
    }

    private void Run()
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (CleanFilthiestLog(stopping) is not null)
                {
                    continue;
                }

                Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, _config.BackoffMs)), _time, stopping).Wait(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (AggregateException e) when (e.InnerException is OperationCanceledException)
            {
                return;
            }
        }
    }
}
