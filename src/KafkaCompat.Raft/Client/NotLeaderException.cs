namespace KafkaCompat.Raft;

/// <summary>An append or resignation asked of a replica that does not lead the named epoch (Kafka's NotLeaderException).</summary>
public sealed class NotLeaderException(string message) : InvalidOperationException(message);
