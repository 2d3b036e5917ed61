namespace KafkaCompat.Records;

/// <summary>
/// The bytes are not a well-formed record batch: CRC mismatch, lengths or counts that disagree with
/// the data, truncation, an over-long varint, or compressed data the codec rejects. Kafka answers
/// these with CORRUPT_MESSAGE.
/// </summary>
public sealed class CorruptRecordException : RecordsException
{
    public CorruptRecordException(string message)
        : base(message)
    {
    }

    public CorruptRecordException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
