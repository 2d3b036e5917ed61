namespace KafkaCompat.Records;

/// <summary>
/// The attributes name a codec id this broker does not know (only 0-4 are defined). Kafka answers
/// these with UNSUPPORTED_COMPRESSION_TYPE.
/// </summary>
public sealed class UnsupportedCompressionTypeException : RecordsException
{
    public UnsupportedCompressionTypeException(int codecId)
        : base($"Unknown compression codec id {codecId}; only 0 (none) to 4 (zstd) are defined.")
    {
        CodecId = codecId;
    }

    public int CodecId { get; }
}
