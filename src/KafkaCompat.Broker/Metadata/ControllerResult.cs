using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>What a controller operation produces (Kafka's ControllerResult): the records to commit and the response to send once they are.</summary>
public sealed record ControllerResult<T>(IReadOnlyList<IKafkaMessage> Records, T Response)
{
    public static ControllerResult<T> Of(T response) => new([], response);
}
