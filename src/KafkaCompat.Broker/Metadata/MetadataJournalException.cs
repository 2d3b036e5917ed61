using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>A metadata append that was refused or failed, with the Kafka error the operation that made it gets.</summary>
public sealed class MetadataJournalException(ErrorCode error, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorCode Error { get; } = error;
}
