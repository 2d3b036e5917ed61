using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Coordinators;

/// <summary>
/// Runs work items one at a time, in submission order, on a single logical thread: the one owner of a
/// coordinator shard's state. Handlers submit and await; timers post. Nothing it runs may block.
/// </summary>
public sealed class SerialExecutor
{
    private readonly Channel<Action> _queue = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _loop;

    public SerialExecutor(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> on the executor; its exception, if any, goes to the caller.</summary>
    public Task<T> Submit<T>(Func<T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queued = _queue.Writer.TryWrite(() =>
        {
            try
            {
                result.SetResult(work());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        });
        if (!queued)
        {
            result.SetException(new ObjectDisposedException(nameof(SerialExecutor), "the coordinator is shutting down"));
        }
        return result.Task;
    }

    /// <summary>Queues fire-and-forget work (timer expirations); a failure is logged, since nobody awaits it.</summary>
    public void Post(Action work) => _queue.Writer.TryWrite(() =>
    {
        try
        {
            work();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Coordinator work item failed");
        }
    });

    /// <summary>Stops taking work; what is queued still runs.</summary>
    public Task StopAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        await foreach (var work in _queue.Reader.ReadAllAsync())
        {
            work();
        }
    }
}
