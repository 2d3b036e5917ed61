using System.Buffers;
using System.Runtime.InteropServices;

namespace KafkaCompat.Records;

/// <summary>
/// The codecs as legacy wrapper messages use them: the same as record batches', except LZ4 in
/// magic 0 (see <see cref="Lz4LegacyFrame"/>), and no zstd, which arrived with magic 2 (KIP-110).
/// </summary>
internal static class LegacyCompression
{
    /// <exception cref="UnsupportedCompressionTypeException">The codec is zstd or undefined.</exception>
    public static CompressionType Codec(int codecId) =>
        codecId is > 0 and < (int)CompressionType.Zstd ? (CompressionType)codecId : throw new UnsupportedCompressionTypeException(codecId);

    public static void Decompress(byte magic, CompressionType codec, ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        if (codec != CompressionType.Lz4 || magic > 0)
        {
            CompressionCodecs.Decompress(codec, input, output, maxDecompressedBytes);
            return;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(input.Length);
        try
        {
            Span<byte> frame = copy.AsSpan(0, input.Length);
            input.CopyTo(frame);
            Lz4LegacyFrame.WriteStandardChecksum(frame);
            CompressionCodecs.Decompress(codec, frame, output, maxDecompressedBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Compresses into <paramref name="output"/>, which must be empty, and returns what was written.</summary>
    public static ReadOnlySpan<byte> Compress(byte magic, CompressionType codec, ReadOnlySpan<byte> input, PooledBufferWriter output)
    {
        CompressionCodecs.Compress(codec, input, output);
        if (codec == CompressionType.Lz4 && magic == 0)
        {
            Lz4LegacyFrame.WriteKafkaV0Checksum(MemoryMarshal.AsMemory(output.WrittenMemory).Span);
        }

        return output.WrittenSpan;
    }
}
