using System.Collections.Concurrent;
using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// Requests from this node to others over Kafka's wire protocol (what Kafka's NetworkClient with an
/// InterBrokerSendThread gives its Raft client, replica fetchers and channel to the controller): one
/// TCP connection per destination node, opened when a request needs it and started with ApiVersions;
/// each request goes at the highest version both ends serve, with header v1 or v2, this client's id
/// and its own correlation id; the answer is matched to it and reported through its callback exactly
/// once, as is a failure (see <see cref="InterNodeResponse"/>). Callbacks run on the thread pool, never
/// inside <see cref="Send"/>. Nodes are known by id: <see cref="UpdateNode"/> gives their addresses.
/// </summary>
public sealed class InterNodeClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, NodeConnection> _nodes = new();
    private int _correlationId;
    private int _closed;

    public InterNodeClient(InterNodeClientOptions options, TimeProvider time, ILogger logger, Random? random = null)
    {
        if (options.MaxInFlightPerConnection < 1 || options.RequestTimeoutMs < 1)
        {
            throw new ArgumentException("at least one request in flight per connection and a positive request timeout are needed", nameof(options));
        }
        Options = options;
        Time = time;
        Logger = logger;
        Random = random;
    }

    public InterNodeClientOptions Options { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    /// <summary>The jitter of the backoffs (a seeded one in tests); the shared one when null.</summary>
    internal Random? Random { get; }

    /// <summary>The address of <paramref name="nodeId"/>; a changed address closes an open connection to the old one.</summary>
    public void UpdateNode(int nodeId, NodeAddress address)
    {
        var added = false;
        var connection = _nodes.GetOrAdd(nodeId, id =>
        {
            added = true;
            return new NodeConnection(id, address, this);
        });
        if (!added)
        {
            connection.UpdateAddress(address);
        }
    }

    public NodeAddress? AddressOf(int nodeId) => _nodes.TryGetValue(nodeId, out var connection) ? connection.Address : null;

    /// <summary>True when a connection to <paramref name="nodeId"/> is open and has exchanged ApiVersions.</summary>
    public bool IsReady(int nodeId) => _nodes.TryGetValue(nodeId, out var connection) && connection.IsReady;

    /// <summary>The version of <paramref name="key"/> a request to <paramref name="nodeId"/> would go at now; null when not connected or none is shared.</summary>
    public short? NegotiatedVersion(int nodeId, ApiKey key, VersionRange? allowed = null) =>
        _nodes.TryGetValue(nodeId, out var connection) ? connection.PeerVersions?.Highest(key, allowed) : null;

    /// <summary>Queues <paramref name="request"/>; never blocks, and its outcome comes through its callback.</summary>
    public void Send(InterNodeRequest request)
    {
        var pending = new PendingRequest(request);
        if (Volatile.Read(ref _closed) != 0)
        {
            Complete(pending, ErrorCode.NetworkException, "the inter-node client is closed");
        }
        else if (!_nodes.TryGetValue(request.DestinationId, out var connection))
        {
            Complete(pending, ErrorCode.BrokerNotAvailable, $"no address is known for node {request.DestinationId}");
        }
        else
        {
            connection.Send(pending);
        }
    }

    /// <summary><see cref="Send"/> as a task, for senders that await their answer (replica fetchers, tests).</summary>
    public Task<InterNodeResponse> SendAsync(int nodeId, IApiMessage data, VersionRange? versions = null)
    {
        var done = new TaskCompletionSource<InterNodeResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        Send(new InterNodeRequest(nodeId, data, Time.GetUtcNow().ToUnixTimeMilliseconds(), done.SetResult) { Versions = versions });
        return done.Task;
    }

    /// <summary>Fails every request still waiting (NETWORK_EXCEPTION) and closes every connection with a FIN.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        await Task.WhenAll(_nodes.Values.Select(n => n.CloseAsync()));
    }

    internal int NextCorrelationId() => Interlocked.Increment(ref _correlationId) & int.MaxValue;

    internal void Complete(PendingRequest request, IApiMessage body) => Report(request, body, ErrorCode.None, null);

    internal void Complete(PendingRequest request, ErrorCode error, string reason) => Report(request, null, error, reason);

    private void Report(PendingRequest request, IApiMessage? body, ErrorCode error, string? reason)
    {
        if (!request.TryClaim())
        {
            return;
        }
        if (reason is not null)
        {
            Logger.LogDebug("{Api} to node {NodeId} failed with {Error}: {Reason}", request.Request.ApiKey, request.Request.DestinationId, error, reason);
        }
        var response = new InterNodeResponse(request.Request, body, request.Version, error, Time.GetUtcNow().ToUnixTimeMilliseconds());
        // Never on the caller's thread nor under a connection's lock: a callback may send again at once.
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var (response, logger) = state;
            try
            {
                response.Request.OnComplete(response);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogError(e, "The callback of {Api} to node {NodeId} failed", response.Request.ApiKey, response.Request.DestinationId);
            }
        }, (response, Logger), preferLocal: false);
    }
}
