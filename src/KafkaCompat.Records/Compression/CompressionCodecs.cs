using System.Buffers;

namespace KafkaCompat.Records;

/// <summary>
/// Compresses and decompresses the records section of a batch with any of Kafka's codecs.
/// </summary>
public static class CompressionCodecs
{
    /// <summary>Compresses <paramref name="input"/> into <paramref name="output"/>; returns the bytes written.</summary>
    public static int Compress(CompressionType compression, ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return compression switch
        {
            CompressionType.None => Copy(input, output),
            CompressionType.Gzip => GzipCodec.Compress(input, output),
            CompressionType.Snappy => SnappyCodec.Compress(input, output),
            CompressionType.Lz4 => Lz4Codec.Compress(input, output),
            CompressionType.Zstd => ZstdCodec.Compress(input, output),
            _ => throw new UnsupportedCompressionTypeException((int)compression),
        };
    }

    /// <summary>
    /// Decompresses <paramref name="input"/> into <paramref name="output"/> and returns the bytes written.
    /// </summary>
    /// <exception cref="DecompressionLimitExceededException">The output would exceed <paramref name="maxDecompressedBytes"/>.</exception>
    /// <exception cref="CorruptRecordException">The codec rejects the input or it is truncated.</exception>
    /// <exception cref="UnsupportedCompressionTypeException">The codec id is not 0-4.</exception>
    public static int Decompress(CompressionType compression, ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDecompressedBytes);
        return compression switch
        {
            CompressionType.None => input.Length <= maxDecompressedBytes
                ? Copy(input, output)
                : throw new DecompressionLimitExceededException(compression, maxDecompressedBytes),
            CompressionType.Gzip => GzipCodec.Decompress(input, output, maxDecompressedBytes),
            CompressionType.Snappy => SnappyCodec.Decompress(input, output, maxDecompressedBytes),
            CompressionType.Lz4 => Lz4Codec.Decompress(input, output, maxDecompressedBytes),
            CompressionType.Zstd => ZstdCodec.Decompress(input, output, maxDecompressedBytes),
            _ => throw new UnsupportedCompressionTypeException((int)compression),
        };
    }

    /// <summary>Maps a codec id from batch attributes to the enum, rejecting the undefined ids 5-7.</summary>
    public static CompressionType FromId(int codecId) =>
        codecId is >= 0 and <= (int)CompressionType.Zstd
            ? (CompressionType)codecId
            : throw new UnsupportedCompressionTypeException(codecId);

    // Streaming decoders write at most this much per step, and never more than one byte past the
    // limit, so a bomb is caught before it costs memory.
    internal static int NextChunk(long written, int maxDecompressedBytes) =>
        (int)Math.Min(128 * 1024, maxDecompressedBytes - written + 1);

    private static int Copy(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        output.Write(input);
        return input.Length;
    }
}
