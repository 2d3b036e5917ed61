using System.Buffers;

namespace KafkaCompat.Records;

/// <summary>
/// zstd through the native libzstd (Debian libzstd1). Kept rather than the managed ZstdSharp.Port
/// 0.8.8 (on the mirror since 2026-12), which would drop the native dependency: it decompressed
/// 1 MiB in 806 and 984 us against 540 and 728 us for libzstd in alternating runs on this machine,
/// about 40 % slower on the path every fetched or validated zstd batch takes (docs/benchmarks.md).
/// </summary>
internal static unsafe class ZstdCodec
{
    // Kafka's default zstd level (and zstd's own default).
    private const int CompressionLevel = 3;

    public static int Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        nuint bound = ZstdNative.CompressBound((nuint)input.Length);
        if (bound > int.MaxValue)
        {
            throw new ArgumentException("Input is too large for one zstd frame.", nameof(input));
        }

        Span<byte> destination = output.GetSpan((int)bound);
        nuint written;
        fixed (byte* source = input)
        fixed (byte* target = destination)
        {
            written = ZstdNative.Compress(target, (nuint)destination.Length, source, (nuint)input.Length, CompressionLevel);
        }

        if (ZstdNative.IsError(written) != 0)
        {
            throw new InvalidOperationException($"ZSTD_compress failed: {ZstdNative.ErrorName(written)}");
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
            nint handle = stream.DangerousGetHandle();
            nuint reset = ZstdNative.InitDStream(handle);
            if (ZstdNative.IsError(reset) != 0)
            {
                throw new InvalidOperationException($"ZSTD_initDStream failed: {ZstdNative.ErrorName(reset)}");
            }

            return DecompressFrames(handle, input, output, maxDecompressedBytes);
        }
        finally
        {
            ZstdDecompressionStream.Return(stream);
        }
    }

    private static int DecompressFrames(nint stream, ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxDecompressedBytes)
    {
        long total = 0;
        fixed (byte* source = input)
        {
            var inBuffer = new ZstdNative.InBuffer { Source = source, Size = (nuint)input.Length };
            while (true)
            {
                int room = CompressionCodecs.NextChunk(total, maxDecompressedBytes);
                Span<byte> destination = output.GetSpan(room);
                nuint result;
                nuint produced;
                fixed (byte* target = destination)
                {
                    var outBuffer = new ZstdNative.OutBuffer { Destination = target, Size = (nuint)room };
                    result = ZstdNative.DecompressStream(stream, &outBuffer, &inBuffer);
                    produced = outBuffer.Position;
                }

                if (ZstdNative.IsError(result) != 0)
                {
                    throw new CorruptRecordException($"Invalid zstd data: {ZstdNative.ErrorName(result)}");
                }

                total += (long)produced;
                if (total > maxDecompressedBytes)
                {
                    throw new DecompressionLimitExceededException(CompressionType.Zstd, maxDecompressedBytes);
                }

                output.Advance((int)produced);
                bool inputConsumed = inBuffer.Position == inBuffer.Size;
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
