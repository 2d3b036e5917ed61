using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>A consumer-group request refused with one of Kafka's errors; the handler answers it with that code and message.</summary>
public sealed class ConsumerGroupException(ErrorCode error, string message) : Exception(message)
{
    public ErrorCode Error { get; } = error;
}
