using System.Buffers;

namespace KafkaCompat.Records;

/// <summary>
/// LZ4 frames through the native liblz4 (Debian liblz4-1). The managed K4os.Compression.LZ4.Streams
/// 1.3.8 is on the mirror since 2026-12 but has not been measured or tried here yet: moving to it
/// means re-doing the limit-checked streaming decode (a bomb must stop at the limit), several
/// concatenated frames and the mapping of its exceptions to CorruptRecordException.
/// </summary>
internal static unsafe class Lz4Codec
{
    public static int Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        // Independent 64 KiB blocks and no checksums: the Java client's KafkaLZ4BlockInputStream
        // decodes every block on its own, so linked blocks (liblz4's default) would break it.
        var preferences = new Lz4Native.Preferences
        {
            BlockSizeId = Lz4Native.BlockSizeMax64KB,
            BlockMode = Lz4Native.BlockIndependent,
        };

        nuint bound = Lz4Native.CompressFrameBound((nuint)input.Length, &preferences);
        if (bound > int.MaxValue)
        {
            throw new ArgumentException("Input is too large for one LZ4 frame.", nameof(input));
        }

        Span<byte> destination = output.GetSpan((int)bound);
        nuint written;
        fixed (byte* source = input)
        fixed (byte* target = destination)
        {
            written = Lz4Native.CompressFrame(target, (nuint)destination.Length, source, (nuint)input.Length, &preferences);
        }

        if (Lz4Native.IsError(written) != 0)
        {
            throw new InvalidOperationException($"LZ4F_compressFrame failed: {Lz4Native.ErrorName(written)}");
        }

        output.Advance((int)written);
        return (int)written;
    }

    public static int Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        Lz4DecompressionContext context = Lz4DecompressionContext.Rent();
        bool reusable = false;
        try
        {
            int total = DecompressFrames(context.DangerousGetHandle(), input, output, maxDecompressedBytes);
            reusable = true;
            return total;
        }
        finally
        {
            // A context left mid-frame by an error would misread the next input: drop it.
            Lz4DecompressionContext.Return(context, reusable);
        }
    }

    private static int DecompressFrames(nint context, ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        long total = 0;
        int consumed = 0;
        fixed (byte* source = input)
        {
            while (true)
            {
                int room = CompressionCodecs.NextChunk(total, maxDecompressedBytes);
                Span<byte> destination = output.GetSpan(room);
                nuint destinationSize = (nuint)room;
                nuint sourceSize = (nuint)(input.Length - consumed);
                nuint hint;
                fixed (byte* target = destination)
                {
                    hint = Lz4Native.Decompress(context, target, &destinationSize, source + consumed, &sourceSize, null);
                }

                if (Lz4Native.IsError(hint) != 0)
                {
                    throw new CorruptRecordException($"Invalid LZ4 frame: {Lz4Native.ErrorName(hint)}");
                }

                consumed += (int)sourceSize;
                total += (long)destinationSize;
                if (total > maxDecompressedBytes)
                {
                    throw new DecompressionLimitExceededException(CompressionType.Lz4, maxDecompressedBytes);
                }

                output.Advance((int)destinationSize);
                if (hint == 0 && consumed == input.Length)
                {
                    return (int)total;
                }

                // hint == 0 with input left means another frame follows; otherwise the decoder wants
                // more input, which is only fine while it is still flushing into a full buffer.
                if (hint != 0 && consumed == input.Length && (int)destinationSize < room)
                {
                    throw new CorruptRecordException("Truncated LZ4 frame.");
                }

                if (sourceSize == 0 && destinationSize == 0 && hint != 0 && consumed < input.Length)
                {
                    throw new CorruptRecordException("LZ4 decoder made no progress.");
                }
            }
        }
    }
}
