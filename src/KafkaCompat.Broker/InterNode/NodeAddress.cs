namespace KafkaCompat.Broker.InterNode;

/// <summary>Where a node listens for other nodes (Kafka's Node: host and port on the listener the client uses).</summary>
public sealed record NodeAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
