using System.Buffers;
using ZstdSharp.Unsafe;

namespace KafkaCompat.Records;

/// <summary>
/// zstd through ZstdSharp.Port, a C# port of libzstd that keeps zstd's own C API (the
/// <see cref="Methods"/> class), so no native library has to be installed next to the broker.
/// </summary>
internal static unsafe class ZstdCodec
{
    // Kafka's default zstd level (and zstd's own default).
    private const int CompressionLevel = 3;

    public static int Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        nuint bound = Methods.ZSTD_compressBound((nuint)input.Length);
        if (bound > int.MaxValue)
        {
            throw new ArgumentException("Input is too large for one zstd frame.", nameof(input));
        }

        Span<byte> destination = output.GetSpan((int)bound);
        nuint written;
        fixed (byte* source = input)
        fixed (byte* target = destination)
        {
            written = Methods.ZSTD_compress(target, (nuint)destination.Length, source, (nuint)input.Length, CompressionLevel);
        }

        if (Methods.ZSTD_isError(written))
        {
            throw new InvalidOperationException($"ZSTD_compress failed: {Methods.ZSTD_getErrorName(written)}");
        }

        output.Advance((int)written);
        return (int)written;
    }

    public static int Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        // Streaming decompression, because frames written by streaming compressors (librdkafka, the
        // Java client) carry no content size, so the one-shot API cannot size its output.
        ZstdDecompressionStream stream = ZstdDecompressionStream.Rent();
        try
        {
            ZSTD_DCtx_s* context = stream.Context;
            nuint reset = Methods.ZSTD_initDStream(context);
            if (Methods.ZSTD_isError(reset))
            {
                throw new InvalidOperationException($"ZSTD_initDStream failed: {Methods.ZSTD_getErrorName(reset)}");
            }

            return DecompressFrames(context, input, output, maxDecompressedBytes);
        }
        finally
        {
            ZstdDecompressionStream.Return(stream);
        }
    }

    private static int DecompressFrames(ZSTD_DCtx_s* stream, ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        long total = 0;
        fixed (byte* source = input)
        {
            var inBuffer = new ZSTD_inBuffer_s { src = source, size = (nuint)input.Length };
            while (true)
            {
                int room = CompressionCodecs.NextChunk(total, maxDecompressedBytes);
                Span<byte> destination = output.GetSpan(room);
                nuint result;
                nuint produced;
                fixed (byte* target = destination)
                {
                    var outBuffer = new ZSTD_outBuffer_s { dst = target, size = (nuint)room };
                    result = Methods.ZSTD_decompressStream(stream, &outBuffer, &inBuffer);
                    produced = outBuffer.pos;
                }

                if (Methods.ZSTD_isError(result))
                {
                    throw new CorruptRecordException($"Invalid zstd data: {Methods.ZSTD_getErrorName(result)}");
                }

                total += (long)produced;
                if (total > maxDecompressedBytes)
                {
                    throw new DecompressionLimitExceededException(CompressionType.Zstd, maxDecompressedBytes);
                }

                output.Advance((int)produced);
                bool inputConsumed = inBuffer.pos == inBuffer.size;
                if (result == 0 && inputConsumed)
                {
                    return (int)total;
                }

                // result == 0 with input left means another frame follows. Otherwise the decoder wants
                // more input: fine while it is still flushing into a full buffer, truncation if not.
                if (result != 0 && inputConsumed && (int)produced < room)
                {
                    throw new CorruptRecordException("Truncated zstd frame.");
                }
            }
        }
    }
}
