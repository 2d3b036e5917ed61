using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace KafkaCompat.Records;

internal static class GzipCodec
{
    // 10-byte member header + 8-byte trailer (CRC-32, ISIZE); the deflate data is at least 2 bytes more.
    private const int MinimumMemberLength = 18;

    // A complete gzip member for empty input, which GZipStream does not write when given no data.
    private static ReadOnlySpan<byte> EmptyMember => [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static int Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (input.IsEmpty)
        {
            output.Write(EmptyMember);
            return EmptyMember.Length;
        }

        var sink = new BufferWriterStream(output);
        using (var gzip = new GZipStream(sink, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(input);
        }

        return checked((int)sink.Length);
    }

    public static unsafe int Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        if (input.Length < MinimumMemberLength)
        {
            throw new CorruptRecordException($"Invalid gzip data: {input.Length} bytes is shorter than any gzip member.");
        }

        long total = 0;
        try
        {
            fixed (byte* source = input)
            {
                using var compressed = new UnmanagedMemoryStream(source, input.Length);
                using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
                while (true)
                {
                    int room = CompressionCodecs.NextChunk(total, maxDecompressedBytes);
                    int read = gzip.Read(output.GetSpan(room)[..room]);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                    if (total > maxDecompressedBytes)
                    {
                        throw new DecompressionLimitExceededException(CompressionType.Gzip, maxDecompressedBytes);
                    }

                    output.Advance(read);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new CorruptRecordException($"Invalid gzip data: {e.Message}", e);
        }

        // GZipStream treats running out of input as a normal end unless the process opts in to
        // System.IO.Compression.UseStrictValidation, and zlib checks the CRC-32/ISIZE trailer only
        // once it reaches it. So check the trailer's ISIZE (output length mod 2^32) here: a truncated
        // stream ends in arbitrary bytes instead. This accepts single-member gzip only, which is what
        // every Kafka client writes.
        uint declaredSize = BinaryPrimitives.ReadUInt32LittleEndian(input[^4..]);
        if (declaredSize != (uint)total)
        {
            throw new CorruptRecordException(
                $"Invalid gzip data: truncated, or not a single gzip member (trailer size {declaredSize}, decoded {total} bytes).");
        }

        return (int)total;
    }
}
