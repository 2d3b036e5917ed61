namespace KafkaCompat.Broker.Config;

/// <summary>
/// The only places where KafkaCompat's defaults differ from Kafka's, so that running the broker
/// with no arguments gives a working single node (node 1 on localhost:9092, data in ./data).
/// They act like the server.properties Kafka's distribution ships: a static layer below the
/// user's file, environment and overrides, reported as STATIC_BROKER_CONFIG, while Kafka's own
/// default still shows as the DEFAULT_CONFIG synonym.
/// </summary>
public static class KafkaCompatDefaults
{
    public static IReadOnlyDictionary<string, string> Values { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [BrokerConfigDefinitions.NodeId] = "1",
        [BrokerConfigDefinitions.ProcessRoles] = "broker,controller",
        [BrokerConfigDefinitions.Listeners] = "PLAINTEXT://localhost:9092",
        [BrokerConfigDefinitions.LogDirs] = "./data",
    };
}
