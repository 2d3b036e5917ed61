using System.Buffers;
using System.Buffers.Binary;

namespace KafkaCompat.Records.Tests;

public class CompressionCodecsTests
{
    private static readonly int[] Sizes = [0, 1, 100, 65_537, 1 << 20];

    [Test]
    public void RoundTrip_RandomAndCompressibleData([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        foreach (int size in Sizes)
        {
            foreach (byte[] input in new[] { TestData.RandomBytes(size, size), TestData.Compressible(size, size) })
            {
                byte[] compressed = Compress(codec, input);
                Assert.That(Decompress(codec, compressed, input.Length), Is.EqualTo(input), $"{codec}, {size} bytes");
            }
        }
    }

    [Test]
    public void Compress_ShrinksCompressibleData([ValueSource(typeof(TestData), nameof(TestData.CompressingCodecs))] CompressionType codec)
    {
        byte[] input = TestData.Compressible(1 << 20, 1);
        Assert.That(Compress(codec, input), Has.Length.LessThan(input.Length / 2));
    }

    [Test]
    public void Compress_ReturnsBytesWritten([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix"u8);
        int written = CompressionCodecs.Compress(codec, TestData.Compressible(10_000, 2), output);
        Assert.That(written, Is.EqualTo(output.WrittenCount - 6));
    }

    [Test]
    public void Decompress_AtExactLimit_Succeeds_AndOneBelow_Throws([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        byte[] input = TestData.Compressible(200_000, 3);
        byte[] compressed = Compress(codec, input);

        Assert.That(Decompress(codec, compressed, input.Length), Is.EqualTo(input));
        var ex = Assert.Throws<DecompressionLimitExceededException>(() => Decompress(codec, compressed, input.Length - 1));
        Assert.That(ex!.Limit, Is.EqualTo(input.Length - 1));
    }

    [Test]
    public void Decompress_Bomb_StopsAtTheLimit([ValueSource(typeof(TestData), nameof(TestData.CompressingCodecs))] CompressionType codec)
    {
        // 64 MiB of zeros compresses to a few KiB; a 1 MiB limit must stop it without writing past it.
        byte[] compressed = Compress(codec, new byte[64 << 20]);
        Assert.That(compressed, Has.Length.LessThan(4 << 20));

        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<DecompressionLimitExceededException>(
            () => CompressionCodecs.Decompress(codec, compressed, output, maxDecompressedBytes: 1 << 20));
        Assert.That(output.WrittenCount, Is.LessThanOrEqualTo(1 << 20));
    }

    [Test]
    public void UnknownCodecIds_ThrowUnsupportedCompressionType([Values(5, 6, 7)] int id)
    {
        var codec = (CompressionType)id;
        var output = new ArrayBufferWriter<byte>();

        var compress = Assert.Throws<UnsupportedCompressionTypeException>(() => CompressionCodecs.Compress(codec, [1, 2, 3], output));
        Assert.Throws<UnsupportedCompressionTypeException>(() => CompressionCodecs.Decompress(codec, [1, 2, 3], output, 100));
        Assert.Throws<UnsupportedCompressionTypeException>(() => CompressionCodecs.FromId(id));
        Assert.That(compress!.CodecId, Is.EqualTo(id));
    }

    [Test]
    public void Decompress_Garbage_ThrowsCorrupt([ValueSource(typeof(TestData), nameof(TestData.CompressingCodecs))] CompressionType codec)
    {
        for (int seed = 0; seed < 50; seed++)
        {
            byte[] garbage = TestData.RandomBytes(1 + (seed * 37), seed);

            // A random first byte could claim a large snappy length; a generous limit keeps this about corruption.
            Assert.Throws<CorruptRecordException>(() => Decompress(codec, garbage, int.MaxValue), $"seed {seed}");
        }
    }

    [Test]
    public void Decompress_TruncatedInput_ThrowsCorrupt([ValueSource(typeof(TestData), nameof(TestData.CompressingCodecs))] CompressionType codec)
    {
        byte[] input = TestData.Compressible(100_000, 4);
        byte[] compressed = Compress(codec, input);
        for (int length = 0; length < compressed.Length; length += Math.Max(1, length / 8))
        {
            Assert.Throws<CorruptRecordException>(() => Decompress(codec, compressed[..length], input.Length), $"cut at {length} of {compressed.Length}");
        }
    }

    [Test]
    public void Decompress_XerialSnappy_WithManyBlocks()
    {
        byte[] input = TestData.Compressible(100_000, 5);
        byte[] framed = XerialFrame(input, blockSize: 32 * 1024);
        Assert.That(Decompress(CompressionType.Snappy, framed, input.Length), Is.EqualTo(input));
        Assert.Throws<DecompressionLimitExceededException>(() => Decompress(CompressionType.Snappy, framed, input.Length - 1));
    }

    [Test]
    public void Decompress_XerialSnappy_HeaderOnly_IsEmpty()
    {
        Assert.That(Decompress(CompressionType.Snappy, XerialFrame([], blockSize: 1024), 0), Is.Empty);
    }

    [Test]
    public void Decompress_XerialSnappy_BadBlockLengths_ThrowCorrupt([Values(-1, int.MinValue, 1000, int.MaxValue)] int blockLength)
    {
        byte[] framed = XerialFrame(TestData.Compressible(1000, 6), blockSize: 4096);
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(16), blockLength);
        Assert.Throws<CorruptRecordException>(() => Decompress(CompressionType.Snappy, framed, 1 << 20));
    }

    [Test]
    public void Decompress_XerialSnappy_TruncatedHeaderOrBlock_ThrowsCorrupt()
    {
        byte[] framed = XerialFrame(TestData.Compressible(1000, 7), blockSize: 4096);
        for (int length = 8; length < framed.Length; length++)
        {
            if (length == 16)
            {
                continue; // the header alone is a valid empty stream
            }

            Assert.Throws<CorruptRecordException>(() => Decompress(CompressionType.Snappy, framed[..length], 1 << 20), $"cut at {length}");
        }
    }

    [Test]
    public void Lz4_WritesIndependentBlocksWithoutChecksums()
    {
        // The Java client's KafkaLZ4BlockInputStream decodes each block on its own, so blocks must
        // be independent. FLG: version 01, block independence; BD: 64 KiB maximum block size.
        byte[] frame = Compress(CompressionType.Lz4, TestData.Compressible(200_000, 8));
        Assert.That(frame[..4], Is.EqualTo(new byte[] { 0x04, 0x22, 0x4D, 0x18 }));
        Assert.That(frame[4], Is.EqualTo(0x60));
        Assert.That(frame[5], Is.EqualTo(0x40));
    }

    [Test]
    public void Gzip_MultiMemberInput_IsRejected()
    {
        // No Kafka client writes more than one member, and the truncation check relies on the last
        // member's size trailer covering all of the output.
        byte[] twoMembers = [.. Compress(CompressionType.Gzip, [1, 2, 3]), .. Compress(CompressionType.Gzip, [4, 5])];
        Assert.Throws<CorruptRecordException>(() => Decompress(CompressionType.Gzip, twoMembers, 100));
    }

    internal static byte[] Compress(CompressionType codec, byte[] input)
    {
        var output = new ArrayBufferWriter<byte>();
        CompressionCodecs.Compress(codec, input, output);
        return output.WrittenSpan.ToArray();
    }

    internal static byte[] Decompress(CompressionType codec, byte[] input, int limit)
    {
        var output = new ArrayBufferWriter<byte>();
        int written = CompressionCodecs.Decompress(codec, input, output, limit);
        Assert.That(written, Is.EqualTo(output.WrittenCount));
        return output.WrittenSpan.ToArray();
    }

    // The snappy-java stream layout, written here from its description so the reader is tested
    // against more than its own writer (the fixtures cover a real xerial writer).
    private static byte[] XerialFrame(byte[] input, int blockSize)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write<byte>([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1]);
        for (int offset = 0; offset < input.Length; offset += blockSize)
        {
            byte[] block = Compress(CompressionType.Snappy, input[offset..Math.Min(input.Length, offset + blockSize)]);
            Span<byte> length = output.GetSpan(4);
            BinaryPrimitives.WriteInt32BigEndian(length, block.Length);
            output.Advance(4);
            output.Write(block);
        }

        return output.WrittenSpan.ToArray();
    }
}
