using System.Collections.Concurrent;
using KafkaCompat.Broker.InterNode;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>Every outcome the client reports, per request, so a test can check that each came exactly once.</summary>
internal sealed class ResponseLog
{
    private readonly ConcurrentQueue<InterNodeResponse> _all = new();
    private readonly SemaphoreSlim _added = new(0);

    public IReadOnlyCollection<InterNodeResponse> All => _all;

    public void Add(InterNodeResponse response)
    {
        _all.Enqueue(response);
        _added.Release();
    }

    public IReadOnlyList<InterNodeResponse> For(InterNodeRequest request) => _all.Where(r => ReferenceEquals(r.Request, request)).ToList();

    /// <summary>The first outcome of <paramref name="request"/> (waits up to 10 s).</summary>
    public async Task<InterNodeResponse> OfAsync(InterNodeRequest request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            if (_all.FirstOrDefault(r => ReferenceEquals(r.Request, request)) is { } found)
            {
                return found;
            }
            await _added.WaitAsync(timeout.Token);
        }
    }
}
