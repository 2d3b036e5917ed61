namespace KafkaCompat.Records;

/// <summary>
/// The bytes parse, but what they say is not allowed, e.g. a control record whose key or value does
/// not follow the control record schema. Kafka answers these with INVALID_RECORD.
/// </summary>
public sealed class InvalidRecordException : RecordsException
{
    public InvalidRecordException(string message)
        : base(message)
    {
    }
}
