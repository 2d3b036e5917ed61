using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Coordinators;

/// <summary>
/// Kafka's CoordinatorExecutor: work too slow for a shard's executor (resolving a consumer group's
/// regular expressions against every topic) runs on the thread pool, one task per key at a time,
/// and its result comes back to the shard's executor, where it may write records. The task must
/// not touch the shard's state: it gets what it needs (an immutable metadata image) as arguments.
/// <see cref="Schedule{T}"/> and <see cref="IsScheduled"/> run on the shard's executor.
/// </summary>
public sealed class CoordinatorExecutor(SerialExecutor executor, ILogger logger)
{
    private readonly HashSet<string> _scheduled = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];

    public bool IsScheduled(string key) => _scheduled.Contains(key);

    /// <summary>Runs <paramref name="work"/> in the background, then <paramref name="onComplete"/> with its result on the shard's executor; nothing when a task of <paramref name="key"/> is running.</summary>
    public void Schedule<T>(string key, Func<T> work, Action<T> onComplete)
    {
        if (!_scheduled.Add(key))
        {
            return;
        }
        var task = Task.Run(work).ContinueWith(done => executor.Post(() =>
        {
            _scheduled.Remove(key);
            if (done.IsFaulted)
            {
                logger.LogError(done.Exception, "Background task {Key} failed", key);
                return;
            }
            onComplete(done.Result);
        }), TaskScheduler.Default);
        lock (_running)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    /// <summary>For tests: completes once every task scheduled so far has handed its result to the shard's executor.</summary>
    public Task IdleAsync()
    {
        lock (_running)
        {
            return Task.WhenAll(_running);
        }
    }
}
