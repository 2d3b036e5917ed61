using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Raft;

/// <summary>
/// Runs a <see cref="RaftClient"/>'s poll loop on a thread of its own (Kafka's
/// KafkaRaftClientDriver). Stopping is graceful: a leader resigns and hands over (EndQuorumEpoch)
/// within the timeout before the thread ends, so the quorum elects the next leader without waiting
/// out a fetch timeout.
/// </summary>
public sealed class RaftClientDriver : IDisposable
{
    /// <summary>The longest a poll waits for work when no timer is due sooner, so that a stop is noticed.</summary>
    private const long MaxPollWaitMs = 1000;

    private readonly RaftClient _client;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _running = true;

    public RaftClientDriver(RaftClient client, ILogger? logger = null)
    {
        _client = client;
        _logger = logger ?? NullLogger.Instance;
        _thread = new Thread(Run) { IsBackground = true, Name = $"kafka-raft-io-thread-{client.NodeId}" };
    }

    /// <summary>Completes when the poll thread has ended (faulted when it died of an error).</summary>
    public Task Stopped => _stopped.Task;

    public void Start() => _thread.Start();

    /// <summary>Shuts the client down gracefully within <paramref name="timeoutMs"/>, then ends the poll thread.</summary>
    public async Task StopAsync(long timeoutMs)
    {
        var shutdown = _client.BeginShutdown(timeoutMs);
        await Task.WhenAny(shutdown, Stopped, Task.Delay(TimeSpan.FromMilliseconds(timeoutMs))).ConfigureAwait(false);
        _running = false;
        _client.Wakeup();
        await Stopped.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _running = false;
        _client.Wakeup();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        try
        {
            while (_running && !_client.IsShutdownComplete)
            {
                _client.Poll(MaxPollWaitMs);
            }
            _stopped.TrySetResult();
        }
        catch (Exception e)
        {
            // A Raft client that hit a broken invariant must not go on serving: the node stops replicating.
            _logger.LogError(e, "The Raft client of node {Node} stopped on an error", _client.NodeId);
            _stopped.TrySetException(e);
        }
    }
}
