using System.Net;

namespace KafkaCompat.Network;

/// <summary>
/// One named listener (listeners=NAME://host:port) with its security protocol from
/// listener.security.protocol.map (Kafka's name: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).
/// </summary>
public sealed record ListenerEndpoint(string Name, IPEndPoint EndPoint, string SecurityProtocol);

public sealed class NetworkOptions
{
    public IReadOnlyList<ListenerEndpoint> Listeners { get; init; } = [];

    /// <summary>socket.request.max.bytes: larger frames close the connection (Kafka's default 100 MiB).</summary>
    public int MaxRequestBytes { get; init; } = 104_857_600;

    /// <summary>connections.max.idle.ms: idle connections are closed (Kafka's default 10 minutes).</summary>
    public TimeSpan MaxIdle { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Requests a connection may have in progress at once; reading pauses beyond that.</summary>
    public int MaxInFlightPerConnection { get; init; } = 64;
}
