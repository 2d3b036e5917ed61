namespace KafkaCompat.Broker.Replication;

/// <summary>
/// Wakes waiters when a partition's high watermark moves: long-polling fetches
/// wait on this instead of polling. Each signal completes the current task and
/// installs a fresh one.
/// </summary>
public sealed class AppendSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next <see cref="Signal"/>.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Signal() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
