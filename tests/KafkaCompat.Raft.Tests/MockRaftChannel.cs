using KafkaCompat.Protocol;

namespace KafkaCompat.Raft.Tests;

/// <summary>A channel that keeps what the client sends; the test answers a request (or fails it) by hand.</summary>
internal sealed class MockRaftChannel : IRaftChannel
{
    private readonly List<RaftOutboundRequest> _sent = [];
    private int _correlationId;

    public Dictionary<int, RaftEndpoint> Endpoints { get; } = [];

    public int NewCorrelationId() => Interlocked.Increment(ref _correlationId);

    public void Send(RaftOutboundRequest request)
    {
        lock (_sent)
        {
            _sent.Add(request);
        }
    }

    public void UpdateEndpoint(int nodeId, RaftEndpoint endpoint) => Endpoints[nodeId] = endpoint;

    /// <summary>The requests sent since the last call, oldest first.</summary>
    public List<RaftOutboundRequest> DrainSent()
    {
        lock (_sent)
        {
            var sent = _sent.ToList();
            _sent.Clear();
            return sent;
        }
    }

    /// <summary>The requests of type <typeparamref name="T"/> sent since the last drain (the others are dropped).</summary>
    public List<(RaftOutboundRequest Request, T Data)> DrainSent<T>() where T : IApiMessage =>
        [.. DrainSent().Where(r => r.Data is T).Select(r => (r, (T)r.Data))];

    public static void Respond(RaftOutboundRequest request, IApiMessage response, long nowMs = 0) =>
        request.OnResponse(new RaftResponse(request.CorrelationId, request.DestinationId, response, ErrorCode.None, nowMs));

    public static void Fail(RaftOutboundRequest request, ErrorCode error, long nowMs = 0) =>
        request.OnResponse(new RaftResponse(request.CorrelationId, request.DestinationId, null, error, nowMs));

    public void Dispose()
    {
    }
}
