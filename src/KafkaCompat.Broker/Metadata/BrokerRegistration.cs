using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// A broker as the metadata log registers it (Kafka's BrokerRegistration, KIP-631). Its epoch is the
/// offset of its RegisterBrokerRecord, so a later registration always has a higher one; the
/// incarnation id tells a restarted process from the one still heartbeating. A fenced broker, or one in
/// controlled shutdown, is not given new replicas, and a fenced one is not shown to clients.
/// </summary>
public sealed record BrokerRegistration(
    int Id,
    long Epoch,
    Uuid IncarnationId,
    ImmutableArray<RegisteredEndpoint> Endpoints,
    ImmutableArray<FeatureRange> Features,
    string? Rack,
    bool Fenced,
    bool InControlledShutdown)
{
    /// <summary>Neither fenced nor shutting down: what Kafka calls an active broker.</summary>
    public bool IsActive => !Fenced && !InControlledShutdown;

    /// <summary>The endpoint of <paramref name="listenerName"/>, or null when the broker has no such listener.</summary>
    public RegisteredEndpoint? EndpointFor(string listenerName) => Endpoints.FirstOrDefault(e => e.Name == listenerName);
}
