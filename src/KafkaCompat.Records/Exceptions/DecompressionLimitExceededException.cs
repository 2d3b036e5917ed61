namespace KafkaCompat.Records;

/// <summary>
/// Decompressing would produce more bytes than the caller allowed. This guards the broker against
/// "decompression bombs": a few KiB of crafted input that would inflate to gigabytes.
/// </summary>
public sealed class DecompressionLimitExceededException : RecordsException
{
    public DecompressionLimitExceededException(CompressionType compression, int limit)
        : base($"{compression} data decompresses to more than the allowed {limit} bytes.")
    {
        Compression = compression;
        Limit = limit;
    }

    public CompressionType Compression { get; }

    public int Limit { get; }
}
