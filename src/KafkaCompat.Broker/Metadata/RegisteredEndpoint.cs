namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// One listener of a registered node as its registration record names it (Kafka's BrokerEndpoint /
/// ControllerEndpoint): clients are answered with the endpoint of the listener they came in on.
/// <paramref name="SecurityProtocol"/> is Kafka's id (0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL).
/// </summary>
public sealed record RegisteredEndpoint(string Name, string Host, int Port, short SecurityProtocol);
