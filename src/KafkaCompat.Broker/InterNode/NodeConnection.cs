using System.Buffers.Binary;
using System.Net.Sockets;
using System.Threading.Channels;
using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// The one connection to one node (Kafka's per-node state in NetworkClient and
/// ClusterConnectionStates): connected when a request needs it, opened with ApiVersions, then
/// requests written in order up to the in-flight limit and answers matched to them in that order by
/// correlation id. A connection that fails or breaks fails every request waiting on it (Kafka's
/// InterBrokerSendThread fails unsent requests to a disconnected node too) and the next attempt waits
/// out the reconnect backoff; requests sent during that wait fail at once, so their senders retry by
/// their own timers, as Kafka's Raft client does.
/// </summary>
internal sealed class NodeConnection(int nodeId, NodeAddress address, InterNodeClient client)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<PendingRequest> _unsent = new();
    private readonly Queue<PendingRequest> _inFlight = new();
    private readonly ExponentialBackoff _reconnectBackoff = new(client.Options.ReconnectBackoffMs, client.Options.ReconnectBackoffMaxMs, client.Random);
    private readonly ExponentialBackoff _setupTimeout = new(client.Options.ConnectionSetupTimeoutMs, client.Options.ConnectionSetupTimeoutMaxMs, client.Random);
    private NodeAddress _address = address;
    private Session? _session;
    private int _failedAttempts;
    private long _backoffUntilMs;
    private bool _closed;

    public int NodeId { get; } = nodeId;

    public NodeAddress Address
    {
        get
        {
            lock (_lock)
            {
                return _address;
            }
        }
    }

    /// <summary>True while a connection is open and its ApiVersions exchange is done.</summary>
    public bool IsReady
    {
        get
        {
            lock (_lock)
            {
                return _session is { Versions: not null };
            }
        }
    }

    /// <summary>What the peer serves, from the current connection's ApiVersions exchange; null when not connected.</summary>
    public PeerApiVersions? PeerVersions
    {
        get
        {
            lock (_lock)
            {
                return _session?.Versions;
            }
        }
    }

    private long NowMs => client.Time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Send(PendingRequest request)
    {
        lock (_lock)
        {
            var now = NowMs;
            if (_closed)
            {
                client.Complete(request, ErrorCode.NetworkException, "the inter-node client is closed");
                return;
            }
            if (_session is null && now < _backoffUntilMs)
            {
                client.Complete(request, ErrorCode.NetworkException, $"the connection to node {NodeId} ({_address}) failed; the next attempt waits until the reconnect backoff has passed");
                return;
            }
            var remaining = request.Request.CreatedMs + client.Options.RequestTimeoutMs - now;
            if (remaining <= 0)
            {
                client.Complete(request, ErrorCode.RequestTimedOut, $"{request.Request.ApiKey} to node {NodeId} was older than the request timeout ({client.Options.RequestTimeoutMs} ms) before it could be sent");
                return;
            }
            _unsent.AddLast(request);
            Arm(request, remaining);
            Pump();
        }
    }

    /// <summary>A new address: later connections go there; an open one to the old address is closed.</summary>
    public void UpdateAddress(NodeAddress address)
    {
        Session? old;
        List<PendingRequest> failed;
        lock (_lock)
        {
            if (_address == address)
            {
                return;
            }
            _address = address;
            old = _session;
            failed = old is null ? [] : Disconnect(old);
            _failedAttempts = 0;
            _backoffUntilMs = 0;
        }
        Fail(failed, $"node {NodeId} moved to {address}");
        old?.Close();
    }

    /// <summary>Fails what is waiting and closes the connection with a FIN.</summary>
    public Task CloseAsync()
    {
        Session? session;
        List<PendingRequest> failed;
        lock (_lock)
        {
            _closed = true;
            session = _session;
            _session = null;
            failed = [.. _inFlight, .. _unsent];
            _inFlight.Clear();
            _unsent.Clear();
        }
        Fail(failed, "the inter-node client is closed");
        if (session is null)
        {
            return Task.CompletedTask;
        }
        session.Close();
        return session.Finished;
    }

    /// <summary>Starts a connection when requests wait and none is open; writes what the in-flight limit allows. Under the lock.</summary>
    private void Pump()
    {
        if (_closed)
        {
            return;
        }
        if (_session is null)
        {
            if (_unsent.Count > 0)
            {
                Connect();
            }
            return;
        }
        if (_session.Versions is not { } versions)
        {
            return;
        }
        while (_inFlight.Count < client.Options.MaxInFlightPerConnection && _unsent.First is { } first)
        {
            _unsent.RemoveFirst();
            var request = first.Value;
            if (request.IsCompleted)
            {
                continue;
            }
            if (versions.Highest(request.Request.ApiKey, request.Request.Versions) is not { } version)
            {
                client.Complete(request, ErrorCode.UnsupportedVersion,
                    $"node {NodeId} serves no version of {request.Request.ApiKey} this request can use ({(versions.Served.TryGetValue(request.Request.ApiKey, out var served) ? served : "none")})");
                continue;
            }
            byte[] frame;
            try
            {
                RequestVersions.Adapt(request.Request.Data, version);
                request.CorrelationId = client.NextCorrelationId();
                frame = InterNodeFrames.Request(request.Request.Data, version, request.CorrelationId, client.Options.ClientId);
            }
            catch (KafkaProtocolException e)
            {
                client.Complete(request, ErrorCode.UnsupportedVersion, $"{request.Request.ApiKey} v{version} cannot carry the request: {e.Message}");
                continue;
            }
            request.Version = version;
            _inFlight.Enqueue(request);
            // Kafka times a request in flight from when it was sent.
            Arm(request, client.Options.RequestTimeoutMs);
            _session.Writes.Writer.TryWrite(frame);
        }
    }

    private void Arm(PendingRequest request, long dueMs)
    {
        request.Timer?.Dispose();
        request.Timer = client.Time.CreateTimer(static state =>
        {
            var (connection, pending) = ((NodeConnection, PendingRequest))state!;
            connection.OnTimeout(pending);
        }, (this, request), TimeSpan.FromMilliseconds(dueMs), Timeout.InfiniteTimeSpan);
    }

    private void OnTimeout(PendingRequest request)
    {
        Session? broken = null;
        List<PendingRequest> failed = [];
        lock (_lock)
        {
            if (request.IsCompleted)
            {
                return;
            }
            if (_unsent.Remove(request))
            {
                client.Complete(request, ErrorCode.RequestTimedOut, $"{request.Request.ApiKey} to node {NodeId} could not be sent within {client.Options.RequestTimeoutMs} ms");
                return;
            }
            client.Complete(request, ErrorCode.RequestTimedOut, $"node {NodeId} did not answer {request.Request.ApiKey} v{request.Version} within {client.Options.RequestTimeoutMs} ms");
            if (_session is { } session && _inFlight.Contains(request))
            {
                broken = session;
                failed = Disconnect(session);
            }
        }
        if (broken is not null)
        {
            client.Logger.LogInformation("Disconnecting from node {NodeId} ({Address}) after a request timed out", NodeId, Address);
            Fail(failed, $"the connection to node {NodeId} was closed after a request timed out");
            broken.Close();
        }
    }

    private void Connect()
    {
        var session = new Session();
        _session = session;
        var setupMs = _setupTimeout.Next(_failedAttempts);
        var target = _address;
        session.Finished = Task.Run(() => RunAsync(session, target, setupMs));
    }

    private async Task RunAsync(Session session, NodeAddress target, long setupMs)
    {
        try
        {
            PeerApiVersions versions;
            using (var setup = CancellationTokenSource.CreateLinkedTokenSource(session.Closing.Token))
            using (client.Time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), setup, TimeSpan.FromMilliseconds(setupMs), Timeout.InfiniteTimeSpan))
            {
                try
                {
                    await session.ConnectAsync(target, setup.Token);
                    versions = await NegotiateAsync(session, setup.Token);
                }
                catch (OperationCanceledException) when (setup.IsCancellationRequested && !session.Closing.IsCancellationRequested)
                {
                    throw new TimeoutException($"connection setup took longer than {setupMs} ms (socket.connection.setup.timeout.ms)");
                }
            }
            lock (_lock)
            {
                if (_session != session)
                {
                    return;
                }
                session.Versions = versions;
                _failedAttempts = 0;
                _backoffUntilMs = 0;
                Pump();
            }
            client.Logger.LogDebug("Connected to node {NodeId} at {Address}", NodeId, target);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Lost(session, Reason(e));
            return;
        }
        // Whichever side fails first ends the connection, which stops the other.
        var writing = UntilLostAsync(session, WriteAsync(session));
        await UntilLostAsync(session, ReadAsync(session));
        await writing;
    }

    private async Task UntilLostAsync(Session session, Task loop)
    {
        try
        {
            await loop;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Lost(session, Reason(e));
        }
    }

    private static string Reason(Exception e) => e switch
    {
        OperationCanceledException => "closed",
        EndOfStreamException => "the peer closed the connection",
        _ => e.Message,
    };

    /// <summary>ApiVersions at the newest version this client knows, again at the peer's newest if it answers UNSUPPORTED_VERSION.</summary>
    private async Task<PeerApiVersions> NegotiateAsync(Session session, CancellationToken cancellationToken)
    {
        var version = ApiKeys.ValidVersions(ApiKey.ApiVersions).Highest;
        while (true)
        {
            var correlationId = client.NextCorrelationId();
            await session.Stream.WriteAsync(InterNodeFrames.Request(PeerApiVersions.Request(), version, correlationId, client.Options.ClientId), cancellationToken);
            var response = PeerApiVersions.ReadResponse(version, correlationId, await ReadFrameAsync(session, cancellationToken));
            switch ((ErrorCode)response.ErrorCode)
            {
                case ErrorCode.None:
                    return PeerApiVersions.From(response);
                case ErrorCode.UnsupportedVersion when PeerApiVersions.RetryVersion(response, version) is { } retry:
                    version = retry;
                    break;
                default:
                    throw new IOException($"ApiVersions v{version} failed with {(ErrorCode)response.ErrorCode}");
            }
        }
    }

    private async Task ReadAsync(Session session)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(session, session.Closing.Token);
            PendingRequest? request;
            lock (_lock)
            {
                if (_session != session)
                {
                    return;
                }
                if (!_inFlight.TryDequeue(out request))
                {
                    throw new MalformedMessageException("a response came with no request in flight");
                }
            }
            IApiMessage body;
            try
            {
                body = InterNodeFrames.Response(request.Request.ApiKey, request.Version, request.CorrelationId, frame);
            }
            catch (KafkaProtocolException e)
            {
                client.Complete(request, ErrorCode.NetworkException, $"malformed {request.Request.ApiKey} v{request.Version} response from node {NodeId}: {e.Message}");
                throw;
            }
            client.Complete(request, body);
            lock (_lock)
            {
                if (_session == session)
                {
                    Pump();
                }
            }
        }
    }

    private static async Task WriteAsync(Session session)
    {
        await foreach (var frame in session.Writes.Reader.ReadAllAsync(session.Closing.Token))
        {
            await session.Stream.WriteAsync(frame, session.Closing.Token);
        }
    }

    private async Task<byte[]> ReadFrameAsync(Session session, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        await session.Stream.ReadExactlyAsync(prefix, cancellationToken);
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 0 || size > client.Options.MaxResponseBytes)
        {
            throw new MalformedMessageException($"response size {size} is outside 0..{client.Options.MaxResponseBytes}");
        }
        // Not pooled: the response body's bytes fields are slices of this array.
        var frame = new byte[size];
        await session.Stream.ReadExactlyAsync(frame, cancellationToken);
        return frame;
    }

    /// <summary>The connection failed or broke: everything waiting on it fails and the reconnect backoff starts.</summary>
    private void Lost(Session session, string reason)
    {
        List<PendingRequest> failed;
        lock (_lock)
        {
            if (_session != session)
            {
                session.Close();
                return;
            }
            failed = Disconnect(session);
        }
        client.Logger.LogInformation("Connection to node {NodeId} ({Address}) lost: {Reason}", NodeId, Address, reason);
        Fail(failed, $"connection to node {NodeId} lost: {reason}");
        session.Close();
    }

    /// <summary>Forgets <paramref name="session"/>, starts the backoff and returns what waited on it. Under the lock.</summary>
    private List<PendingRequest> Disconnect(Session session)
    {
        _session = null;
        _backoffUntilMs = NowMs + _reconnectBackoff.Next(_failedAttempts);
        _failedAttempts++;
        List<PendingRequest> failed = [.. _inFlight, .. _unsent];
        _inFlight.Clear();
        _unsent.Clear();
        session.Writes.Writer.TryComplete();
        return failed;
    }

    private void Fail(List<PendingRequest> requests, string reason)
    {
        foreach (var request in requests)
        {
            client.Complete(request, ErrorCode.NetworkException, reason);
        }
    }

    /// <summary>One TCP connection: its socket, its queue of frames to write, and what its peer serves once known.</summary>
    private sealed class Session
    {
        private int _closed;

        public Session()
        {
            Socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        }

        public Socket Socket { get; }

        /// <summary>The socket's stream, once it is connected.</summary>
        public NetworkStream Stream { get; private set; } = null!;

        public async Task ConnectAsync(NodeAddress target, CancellationToken cancellationToken)
        {
            await Socket.ConnectAsync(target.Host, target.Port, cancellationToken);
            Stream = new NetworkStream(Socket, ownsSocket: false);
        }

        public Channel<byte[]> Writes { get; } = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });

        public CancellationTokenSource Closing { get; } = new();

        public PeerApiVersions? Versions { get; set; }

        public Task Finished { get; set; } = Task.CompletedTask;

        /// <summary>Ends the connection with a FIN (a shutdown before the close), once.</summary>
        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }
            Closing.Cancel();
            try
            {
                if (Socket.Connected)
                {
                    Socket.Shutdown(SocketShutdown.Both);
                }
            }
            catch (SocketException)
            {
                // Already reset by the peer: nothing left to close orderly.
            }
            Stream?.Dispose();
            Socket.Dispose();
        }
    }
}
