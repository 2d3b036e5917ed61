using KafkaCompat.Protocol;
using KafkaCompat.Raft;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// The Raft client's network (Kafka's KafkaNetworkChannel) over an <see cref="InterNodeClient"/> that
/// reaches the other replicas on their controller listener, set up as Kafka's RaftManager sets its
/// NetworkClient: client id <c>raft-client-{node.id}</c>, one request in flight per connection,
/// reconnect backoff 50 ms up to 500 ms, <c>controller.quorum.request.timeout.ms</c> as the request
/// timeout. The voters of <c>controller.quorum.voters</c> are known from the start; other replicas
/// (observers, the endpoints a leader announces, bootstrap servers) through <see cref="UpdateEndpoint"/>.
/// </summary>
public sealed class KafkaRaftChannel : IRaftChannel
{
    /// <summary>The first Fetch version with the last fetched epoch, which Raft replication cannot do without (KIP-595).</summary>
    private static readonly VersionRange RaftFetchVersions = new(12, ApiKeys.ValidVersions(ApiKey.Fetch).Highest);

    private readonly InterNodeClient _client;
    private int _correlationId;

    public KafkaRaftChannel(InterNodeClient client, string listenerName, IReadOnlyDictionary<int, RaftEndpoint> voters)
    {
        _client = client;
        ListenerName = listenerName;
        foreach (var (id, endpoint) in voters)
        {
            UpdateEndpoint(id, endpoint);
        }
    }

    /// <summary>The controller listener this channel reaches the other replicas on (the first of <c>controller.listener.names</c>).</summary>
    public string ListenerName { get; }

    public InterNodeClient Client => _client;

    /// <summary>The channel of replica <paramref name="nodeId"/>, with Kafka's RaftManager settings and <paramref name="config"/>'s voters and request timeout.</summary>
    public static KafkaRaftChannel Create(int nodeId, string controllerListenerName, QuorumConfig config, TimeProvider time, ILoggerFactory loggerFactory) =>
        new(new InterNodeClient(ClientOptions(nodeId, config), time, loggerFactory.CreateLogger<KafkaRaftChannel>()), controllerListenerName, config.Voters);

    public static InterNodeClientOptions ClientOptions(int nodeId, QuorumConfig config) => new()
    {
        ClientId = $"raft-client-{nodeId}",
        RequestTimeoutMs = config.RequestTimeoutMs,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
        MaxInFlightPerConnection = 1,
    };

    public int NewCorrelationId() => Interlocked.Increment(ref _correlationId);

    public void Send(RaftOutboundRequest request) =>
        _client.Send(new InterNodeRequest(request.DestinationId, request.Data, request.CreatedMs, response =>
            request.OnResponse(new RaftResponse(request.CorrelationId, request.DestinationId, response.Data, response.Error, response.ReceivedMs)))
        {
            Versions = request.ApiKey == ApiKey.Fetch ? RaftFetchVersions : null,
        });

    public void UpdateEndpoint(int nodeId, RaftEndpoint endpoint) => _client.UpdateNode(nodeId, new NodeAddress(endpoint.Host, endpoint.Port));

    /// <summary>Fails what is still waiting and closes the connections (IRaftChannel is disposed synchronously).</summary>
    public void Dispose() => _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
