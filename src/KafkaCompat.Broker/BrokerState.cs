using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker;

/// <summary>
/// The broker's identity and its current configuration. Static configs come
/// from the command line; dynamic ones (AlterConfigs on the broker) are
/// replayed from the metadata log, so this always reflects the latest image.
/// </summary>
public sealed class BrokerState(BrokerConfig staticConfig, string clusterId)
{
    private readonly BrokerConfig _static = staticConfig;
    private volatile BrokerConfig _config = staticConfig;

    public string ClusterId { get; } = clusterId;

    public int NodeId => _static.NodeId;

    public BrokerConfig Config => _config;

    private volatile IReadOnlyList<Endpoint> _advertised = staticConfig.AdvertisedListeners;

    /// <summary>advertised.listeners, with a configured port 0 replaced by the port actually bound (tests bind port 0).</summary>
    public IReadOnlyList<Endpoint> AdvertisedListeners => _advertised;

    /// <summary>The advertised endpoint of the listener a request came in on (Kafka answers each listener with its own address).</summary>
    public Endpoint? AdvertisedFor(string listenerName) =>
        _advertised.FirstOrDefault(l => l.ListenerName == listenerName) ?? _advertised.FirstOrDefault();

    public void Bind(IReadOnlyDictionary<string, int> boundPorts) =>
        _advertised = _static.AdvertisedListeners
            .Select(l => l.Port == 0 && boundPorts.TryGetValue(l.ListenerName, out var port) ? l with { Port = port } : l)
            .ToList();

    /// <summary>Broker-level dynamic configs live in the image as broker ConfigRecords (resource name "" = cluster default).</summary>
    public void Apply(MetadataImage image) =>
        _config = _static.WithDynamicConfigs(image.ClusterDefaultConfigs, image.BrokerConfigsOf(NodeId));
}
