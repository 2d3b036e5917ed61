using KafkaCompat.Network;

namespace KafkaCompat.Broker.Tests.Network;

/// <summary>
/// Answers each request frame with its own bytes, but only once <see cref="Release"/> is called, so a
/// test decides what happens on the connection while requests are in progress. Records the session
/// every request arrived with.
/// </summary>
internal sealed class GatedEchoProcessor : IRequestProcessor
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(byte[] Bytes, ConnectionSession Session)> _received = [];
    private readonly SemaphoreSlim _arrivals = new(0);

    public GatedEchoProcessor(bool open = false)
    {
        if (open)
        {
            Release();
        }
    }

    public void Release() => _gate.TrySetResult();

    public IReadOnlyList<(byte[] Bytes, ConnectionSession Session)> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> more requests have arrived (at most 10 s, then the test fails).</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var i = 0; i < count; i++)
        {
            await _arrivals.WaitAsync(timeout.Token);
        }
    }

    public async ValueTask<ResponseFrame?> ProcessAsync(RequestFrame request, CancellationToken cancellationToken)
    {
        var bytes = request.Bytes.ToArray();
        lock (_received)
        {
            _received.Add((bytes, request.Connection));
        }
        _arrivals.Release();
        await _gate.Task.WaitAsync(cancellationToken);
        var response = ResponseFrame.Rent(bytes.Length, 0, out var body);
        bytes.CopyTo(body);
        return response;
    }
}
