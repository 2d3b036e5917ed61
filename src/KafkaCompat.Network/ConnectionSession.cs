namespace KafkaCompat.Network;

/// <summary>
/// One client connection for its whole life, shared by all its requests: where it came from, the
/// listener and security protocol it arrived on, who it acts as, and the client software it runs.
/// What authentication, ACLs and quotas decide by; Kafka keeps the same facts per channel and hands
/// them to every request's context. Requests of one connection may run concurrently, so what
/// changes after the connection opens is swapped as a whole object.
/// </summary>
public sealed class ConnectionSession(string connectionId, string listenerName, string securityProtocol, string remoteAddress)
{
    private readonly CancellationTokenSource _closed = new();
    private volatile ClientInformation _client = ClientInformation.Unknown;

    public string ConnectionId { get; } = connectionId;

    /// <summary>The listener's name (listeners=NAME://host:port), which Metadata answers for.</summary>
    public string ListenerName { get; } = listenerName;

    /// <summary>The listener's protocol from listener.security.protocol.map (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).</summary>
    public string SecurityProtocol { get; } = securityProtocol;

    /// <summary>The client's address and port as the socket sees it.</summary>
    public string RemoteAddress { get; } = remoteAddress;

    /// <summary>
    /// ANONYMOUS on every connection: only PLAINTEXT listeners are served, and a PLAINTEXT
    /// connection is not authenticated (Kafka's principal builder gives it the same name).
    /// </summary>
    public KafkaPrincipal Principal { get; } = KafkaPrincipal.Anonymous;

    public ClientInformation Client
    {
        get => _client;
        set => _client = value;
    }

    /// <summary>
    /// Cancelled once the connection has ended and its last answer is written or abandoned: state
    /// that lives only as long as the connection (a KIP-932 share session) ends with it.
    /// </summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Called by the connection's handler as the connection ends.</summary>
    public void MarkClosed() => _closed.Cancel();

    public override string ToString() => $"{ConnectionId} from {RemoteAddress} on {ListenerName} ({SecurityProtocol}) as {Principal}, client {Client}";
}
