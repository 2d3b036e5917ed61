using System.Buffers;
using System.Buffers.Binary;
using Snappier;

namespace KafkaCompat.Records;

/// <summary>
/// Snappy as Kafka clients write it. librdkafka writes one raw snappy block; the Java client and
/// kafka-python write snappy-java's "xerial" framing: a 16-byte header (magic, version, minimum
/// compatible version) followed by blocks each prefixed with a big-endian int32 length. Both must be
/// read; we write raw blocks like librdkafka, which every client accepts. Snappier does the raw
/// blocks (its stream is the snappy project's own framing format, not xerial), straight into the
/// caller's buffer.
/// </summary>
internal static class SnappyCodec
{
    private const int XerialHeaderLength = 16;
    private const int MaxExpansion = 32;

    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    public static int Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        Span<byte> destination = output.GetSpan(Snappy.GetMaxCompressedLength(input.Length));
        int written = Snappy.Compress(input, destination);
        output.Advance(written);
        return written;
    }

    public static int Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        if (input.Length >= XerialMagic.Length && input[..XerialMagic.Length].SequenceEqual(XerialMagic))
        {
            return DecompressXerial(input, output, maxDecompressedBytes);
        }

        return DecompressBlock(input, output, maxDecompressedBytes);
    }

    private static int DecompressXerial(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        if (input.Length < XerialHeaderLength)
        {
            throw new CorruptRecordException($"Truncated xerial snappy header: {input.Length} of {XerialHeaderLength} bytes.");
        }

        // The version fields are not checked: every snappy-java version since 1.0 writes this same
        // block layout, and Kafka's own reader ignores them as well.
        ReadOnlySpan<byte> remaining = input[XerialHeaderLength..];
        int total = 0;
        while (!remaining.IsEmpty)
        {
            if (remaining.Length < sizeof(int))
            {
                throw new CorruptRecordException($"Truncated xerial snappy block length: {remaining.Length} bytes left.");
            }

            int blockLength = BinaryPrimitives.ReadInt32BigEndian(remaining);
            remaining = remaining[sizeof(int)..];
            if (blockLength < 0 || blockLength > remaining.Length)
            {
                throw new CorruptRecordException(
                    $"Invalid xerial snappy block length {blockLength}: {remaining.Length} bytes left.");
            }

            total += DecompressBlock(remaining[..blockLength], output, maxDecompressedBytes - total);
            remaining = remaining[blockLength..];
        }

        return total;
    }

    private static int DecompressBlock(ReadOnlySpan<byte> block, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        // A raw block starts with its decoded length as an unsigned varint; check it against the limit
        // before the decoder allocates that much.
        long declared = ReadDecodedLength(block);
        if (declared > maxDecompressedBytes)
        {
            throw new DecompressionLimitExceededException(CompressionType.Snappy, maxDecompressedBytes);
        }

        // The densest snappy element is a 3-byte copy of 64 bytes, so no valid block expands more
        // than about 22 times; a larger claim is a lie we need not allocate for.
        if (declared > (long)block.Length * MaxExpansion)
        {
            throw new CorruptRecordException($"Snappy block of {block.Length} bytes cannot decode to the declared {declared} bytes.");
        }

        // Checked against the limit and the input's size above, so reserving it up front is safe.
        Span<byte> destination = output.GetSpan((int)declared)[..(int)declared];
        int decoded;
        try
        {
            decoded = Snappy.Decompress(block, destination);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Snappier reports bad input as InvalidDataException (ArgumentException for a destination
            // shorter than the declared length, which this one never is): the batch is corrupt.
            throw new CorruptRecordException($"Invalid snappy data: {e.Message}", e);
        }

        if (decoded != declared)
        {
            throw new CorruptRecordException($"Snappy block declared {declared} bytes but decoded to {decoded}.");
        }

        output.Advance(decoded);
        return decoded;
    }

    private static long ReadDecodedLength(ReadOnlySpan<byte> block)
    {
        ulong value = 0;
        for (int i = 0; i < 5; i++)
        {
            if (i >= block.Length)
            {
                throw new CorruptRecordException("Truncated snappy block: missing decoded length.");
            }

            byte b = block[i];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return value <= uint.MaxValue
                    ? (long)value
                    : throw new CorruptRecordException("Snappy decoded length does not fit in 32 bits.");
            }
        }

        throw new CorruptRecordException("Snappy decoded length varint is longer than 5 bytes.");
    }
}
