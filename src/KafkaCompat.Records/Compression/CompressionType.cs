namespace KafkaCompat.Records;

/// <summary>The codec in bits 0-2 of the record batch attributes.</summary>
public enum CompressionType : byte
{
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}
