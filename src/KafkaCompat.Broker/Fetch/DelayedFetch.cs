using KafkaCompat.Broker.Replication;

namespace KafkaCompat.Broker.Fetch;

/// <summary>
/// A Fetch waiting for min.bytes (Kafka's DelayedFetch). It is registered on its partitions
/// before their first read, so an append that lands between the read and the wait is never
/// missed; each change of a partition is remembered, and the waiting handler re-reads only the
/// partitions that changed. Disposing it unregisters it from every partition.
/// </summary>
public sealed class DelayedFetch(TimeProvider time) : IPartitionWatcher, IDisposable
{
    private readonly Lock _lock = new();
    private readonly HashSet<Partition> _changed = [];
    private readonly List<Partition> _watched = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Watch(Partition partition)
    {
        _watched.Add(partition);
        partition.Watch(this);
    }

    public void OnPartitionChanged(Partition partition)
    {
        lock (_lock)
        {
            _changed.Add(partition);
            _wake.TrySetResult();
        }
    }

    /// <summary>The partitions that changed since the last call, waiting up to <paramref name="timeout"/> for one; empty when none did.</summary>
    public async Task<IReadOnlyCollection<Partition>> WaitForChangesAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task wake;
        lock (_lock)
        {
            if (_changed.Count > 0)
            {
                return TakeChanged();
            }
            wake = _wake.Task;
        }
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var delay = Task.Delay(timeout, time, stop.Token);
            await Task.WhenAny(wake, delay);
            await stop.CancelAsync();
        }
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return TakeChanged();
        }
    }

    private List<Partition> TakeChanged()
    {
        var changed = _changed.ToList();
        _changed.Clear();
        if (_wake.Task.IsCompleted)
        {
            _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        return changed;
    }

    public void Dispose()
    {
        foreach (var partition in _watched)
        {
            partition.Unwatch(this);
        }
        _watched.Clear();
    }
}
