using System.Threading.Channels;
using KafkaCompat.Protocol;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// The Raft client's side of the inbound RPCs, played by the test: every request is kept, and
/// answered at once with what <see cref="Answer"/> returns for it, or left for the test to answer
/// (when it returns null) through the request's completion.
/// </summary>
internal sealed class TestRaftRequestHandler : IRaftRequestHandler
{
    private readonly Channel<RaftInboundRequest> _held = Channel.CreateUnbounded<RaftInboundRequest>();

    public Func<RaftInboundRequest, IApiMessage?> Answer { get; set; } = _ => null;

    public List<RaftInboundRequest> Received { get; } = [];

    public void Handle(RaftInboundRequest request)
    {
        lock (Received)
        {
            Received.Add(request);
        }
        if (Answer(request) is { } response)
        {
            request.Completion.SetResult(response);
        }
        else
        {
            _held.Writer.TryWrite(request);
        }
    }

    /// <summary>The next request left unanswered (waits up to 10 s).</summary>
    public async Task<RaftInboundRequest> NextHeldAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _held.Reader.ReadAsync(timeout.Token);
    }
}
