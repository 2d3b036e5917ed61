namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// How an <see cref="InterNodeClient"/> connects and how long it waits, named after the Kafka settings
/// they stand for. The defaults are the Java client's (<c>reconnect.backoff.ms</c> 50,
/// <c>reconnect.backoff.max.ms</c> 1000, <c>request.timeout.ms</c> 30000,
/// <c>socket.connection.setup.timeout.ms</c> 10000 growing to <c>.max.ms</c> 30000 per KIP-601);
/// each user sets what its Kafka counterpart sets (the Raft channel: Kafka's RaftManager values).
/// </summary>
public sealed record InterNodeClientOptions
{
    /// <summary>The client id in every request header (Kafka's Raft client sends <c>raft-client-{node.id}</c>).</summary>
    public string ClientId { get; init; } = "kafkacompat-internode";

    /// <summary>
    /// How long a request may wait: unsent from its creation, in flight from when it was written.
    /// A request in flight that runs out closes its connection, as Kafka's NetworkClient does, since the
    /// answers after it could no longer be told apart from a late one.
    /// </summary>
    public int RequestTimeoutMs { get; init; } = 30_000;

    /// <summary><c>reconnect.backoff.ms</c>: the wait after the first failed connection to a node.</summary>
    public int ReconnectBackoffMs { get; init; } = 50;

    /// <summary><c>reconnect.backoff.max.ms</c>: the wait doubles per consecutive failure up to this (with 20% jitter).</summary>
    public int ReconnectBackoffMaxMs { get; init; } = 1000;

    /// <summary><c>socket.connection.setup.timeout.ms</c>: the first attempt's bound on the TCP connect and the ApiVersions exchange.</summary>
    public int ConnectionSetupTimeoutMs { get; init; } = 10_000;

    /// <summary><c>socket.connection.setup.timeout.max.ms</c>: the setup bound doubles per consecutive failure up to this.</summary>
    public int ConnectionSetupTimeoutMaxMs { get; init; } = 30_000;

    /// <summary>
    /// Requests written to one connection before its answers: Kafka's inter-node clients (Raft,
    /// replica fetchers, the channel to the controller) all use 1, so a request waits for the one before it.
    /// </summary>
    public int MaxInFlightPerConnection { get; init; } = 1;

    /// <summary>A response frame larger than this is malformed and closes the connection (Kafka's Raft client sets no limit).</summary>
    public int MaxResponseBytes { get; init; } = int.MaxValue;
}
