using System.Buffers.Binary;

namespace KafkaCompat.Records.Tests;

/// <summary>
/// Malformed input must produce the specific <see cref="RecordsException"/> and nothing else: no
/// IndexOutOfRange, no ArgumentOutOfRange, no huge allocation driven by a length field.
/// </summary>
public class MalformedRecordBatchTests
{
    [Test]
    public void TruncatedAtEveryByte_ConstructorThrowsCorrupt_EnumeratorReportsPartial([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        byte[] bytes = SampleBatch(codec);
        for (int length = 0; length < bytes.Length; length++)
        {
            ReadOnlyMemory<byte> truncated = bytes.AsMemory(0, length);
            Assert.Throws<CorruptRecordException>(() => _ = new RecordBatch(truncated), $"cut at {length}");

            var batches = new RecordBatchEnumerator(truncated);
            Assert.That(batches.MoveNext(), Is.False, $"cut at {length}");
            Assert.That(batches.TrailingPartialBatchBytes, Is.EqualTo(length));
        }
    }

    [Test]
    public void RecordsSectionTruncatedAtEveryByte_WithConsistentHeaderAndCrc_ThrowsCorrupt([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        // Shorten the batch and fix batchLength and CRC, so only the records section tells the story.
        byte[] bytes = SampleBatch(codec);
        for (int length = 61; length < bytes.Length; length++)
        {
            byte[] truncated = bytes[..length];
            BinaryPrimitives.WriteInt32BigEndian(truncated.AsSpan(8), length - 12);
            RawBatch.FixCrc(truncated);
            Assert.Throws<CorruptRecordException>(() => ReadAll(truncated), $"cut at {length}");
        }
    }

    [Test]
    public void AnyFlippedByteUnderTheCrc_FailsValidation([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        byte[] original = SampleBatch(codec);
        for (int position = 0; position < original.Length; position++)
        {
            byte[] bytes = (byte[])original.Clone();
            bytes[position] ^= 0x20;
            RecordBatch batch;
            try
            {
                batch = new RecordBatch(bytes);
            }
            catch (RecordsException)
            {
                continue; // the flip hit the length or magic field
            }

            bool covered = position >= 17;
            Assert.That(batch.IsValidCrc(), Is.EqualTo(!covered), $"flipped byte {position}");
            if (covered)
            {
                var ex = Assert.Throws<CorruptRecordException>(() => batch.EnsureValid());
                Assert.That(ex!.Message, Does.Contain("CRC"));
            }
        }
    }

    [TestCase(-2, TestName = "key length -2")]
    [TestCase(int.MinValue, TestName = "key length int.MinValue")]
    [TestCase(4, TestName = "key length past the record")]
    [TestCase(int.MaxValue, TestName = "key length int.MaxValue")]
    public void BadKeyLength_ThrowsCorrupt(int keyLength)
    {
        byte[] body = [0, .. RawBatch.Varint(0), .. RawBatch.Varint(0), .. RawBatch.Varint(keyLength), 1, 2, .. RawBatch.Varint(-1), .. RawBatch.Varint(0)];
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(body.Length), .. body]));
    }

    [TestCase(-2)]
    [TestCase(100)]
    [TestCase(int.MaxValue)]
    public void BadValueLength_ThrowsCorrupt(int valueLength)
    {
        byte[] body = [0, .. RawBatch.Varint(0), .. RawBatch.Varint(0), .. RawBatch.Varint(-1), .. RawBatch.Varint(valueLength), 1, 2, 3, .. RawBatch.Varint(0)];
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(body.Length), .. body]));
    }

    [TestCase(-1)]
    [TestCase(0)]
    [TestCase(1_000)]
    [TestCase(int.MaxValue)]
    [TestCase(int.MinValue)]
    public void BadRecordLength_ThrowsCorrupt(int recordLength)
    {
        byte[] record = RawBatch.Record(0, 0, [1], [2]);
        byte[] body = record[1..]; // the real length fits one byte
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(recordLength), .. body]));
    }

    [Test]
    public void RecordLengthLongerThanItsFields_ThrowsCorrupt()
    {
        byte[] record = RawBatch.Record(0, 0, [1], [2]);
        byte[] body = [.. record[1..], 0xFF]; // one stray byte inside the declared length
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(body.Length), .. body]));
    }

    [TestCase(-1)]
    [TestCase(int.MinValue)]
    [TestCase(int.MaxValue)]
    [TestCase(2)]
    public void BadHeaderCount_ThrowsCorrupt(int headerCount)
    {
        byte[] body = [0, .. RawBatch.Varint(0), .. RawBatch.Varint(0), .. RawBatch.Varint(-1), .. RawBatch.Varint(-1), .. RawBatch.Varint(headerCount), .. RawBatch.Varint(1), 0x41, .. RawBatch.Varint(-1)];
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(body.Length), .. body]));
    }

    [TestCase(-1, 0)]
    [TestCase(int.MaxValue, 0)]
    [TestCase(1, -2)]
    [TestCase(1, int.MaxValue)]
    public void BadHeaderLengths_ThrowCorrupt(int keyLength, int valueLength)
    {
        byte[] body = [0, .. RawBatch.Varint(0), .. RawBatch.Varint(0), .. RawBatch.Varint(-1), .. RawBatch.Varint(-1), .. RawBatch.Varint(1), .. RawBatch.Varint(keyLength), 0x41, .. RawBatch.Varint(valueLength)];
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(body.Length), .. body]));
    }

    [TestCase(-1)]
    [TestCase(int.MinValue)]
    [TestCase(2)]
    [TestCase(int.MaxValue)]
    [TestCase(0)]
    public void RecordCountThatDisagreesWithTheData_ThrowsCorrupt(int recordCount)
    {
        AssertCorrupt(Batch(recordCount, RawBatch.Record(0, 0, [1], [2])));
    }

    [Test]
    public void NegativeRecordCount_FailsEnsureValid()
    {
        byte[] bytes = Batch(-5, RawBatch.Record(0, 0, [1], [2]));
        Assert.Throws<CorruptRecordException>(() => new RecordBatch(bytes).EnsureValid());
    }

    [Test]
    public void SixByteVarint_ForRecordLength_ThrowsCorrupt()
    {
        AssertCorrupt(Batch(1, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 1, 1, 0]));
    }

    [Test]
    public void ElevenByteVarlong_ForTimestampDelta_ThrowsCorrupt()
    {
        byte[] body = [0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, .. RawBatch.Varint(0), .. RawBatch.Varint(-1), .. RawBatch.Varint(-1), .. RawBatch.Varint(0)];
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(body.Length), .. body]));
    }

    [Test]
    public void SixByteVarint_ForKeyLength_ThrowsCorrupt()
    {
        byte[] body = [0, .. RawBatch.Varint(0), .. RawBatch.Varint(0), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, .. RawBatch.Varint(-1), .. RawBatch.Varint(0)];
        AssertCorrupt(Batch(1, [.. RawBatch.Varint(body.Length), .. body]));
    }

    [Test]
    public void VarintRunningOffTheEnd_ThrowsCorrupt()
    {
        AssertCorrupt(Batch(1, [0x80, 0x80]));
    }

    [Test]
    public void UnknownCodecInAttributes_ThrowsUnsupportedCompressionType([Values(5, 6, 7)] short codecId)
    {
        byte[] bytes = new RawBatch { Attributes = codecId, RecordCount = 1 }.Bytes(RawBatch.Record(0, 0, [1], [2])).ToArray();
        var batch = new RecordBatch(bytes);
        batch.EnsureValid(); // the CRC is fine: only the codec is unknown

        Assert.That(batch.CompressionCodecId, Is.EqualTo(codecId));
        Assert.Throws<UnsupportedCompressionTypeException>(() => _ = batch.Compression);
        var ex = Assert.Throws<UnsupportedCompressionTypeException>(() => batch.OpenRecords(1 << 20).Dispose());
        Assert.That(ex!.CodecId, Is.EqualTo(codecId));
    }

    [Test]
    public void CompressedRecordsLargerThanTheLimit_ThrowDecompressionLimitExceeded([ValueSource(typeof(TestData), nameof(TestData.CompressingCodecs))] CompressionType codec)
    {
        var batch = new RecordBatch(SampleBatch(codec));
        Assert.Throws<DecompressionLimitExceededException>(() => batch.OpenRecords(100).Dispose());
    }

    [Test]
    public void CompressedRecordsThatAreNotValidForTheCodec_ThrowCorrupt([ValueSource(typeof(TestData), nameof(TestData.CompressingCodecs))] CompressionType codec)
    {
        byte[] bytes = new RawBatch { Attributes = (short)codec, RecordCount = 1 }.Bytes(RawBatch.Record(0, 0, [1], [2])).ToArray();
        Assert.Throws<CorruptRecordException>(() => ReadAll(bytes));
    }

    [Test]
    public void RandomMutations_WithAValidCrc_OnlyEverThrowRecordsExceptions([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        // The CRC is recomputed after each mutation so parsing goes past validation into the records.
        byte[] original = SampleBatch(codec);
        var random = new Random(1234 + (int)codec);
        int parsed = 0;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            byte[] bytes = (byte[])original.Clone();
            int flips = random.Next(1, 4);
            for (int i = 0; i < flips; i++)
            {
                bytes[random.Next(21, bytes.Length)] = (byte)random.Next(256);
            }

            RawBatch.FixCrc(bytes);
            try
            {
                ReadAll(bytes);
                parsed++;
            }
            catch (RecordsException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {iteration}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.That(parsed, Is.GreaterThan(0), "some mutations (e.g. inside values) still parse");
    }

    private static void AssertCorrupt(byte[] batchBytes)
    {
        var batch = new RecordBatch(batchBytes);
        Assert.That(batch.IsValidCrc(), Is.True, "the test batch itself has a valid CRC");
        Assert.Throws<CorruptRecordException>(() => ReadAll(batchBytes));
    }

    private static byte[] Batch(int recordCount, byte[] records) =>
        new RawBatch { RecordCount = recordCount }.Bytes(records).ToArray();

    private static void ReadAll(byte[] bytes)
    {
        var batch = new RecordBatch(bytes);
        batch.EnsureValid();
        using RecordBatchReader reader = batch.OpenRecords(1 << 20);
        foreach (Record record in reader)
        {
            foreach (RecordHeader header in record.Headers)
            {
                _ = header.Key.Length + (header.Value?.Length ?? 0);
            }
        }
    }

    private static byte[] SampleBatch(CompressionType codec)
    {
        using var builder = new RecordBatchBuilder(codec) { ProducerId = 3, ProducerEpoch = 1, BaseSequence = 0 };
        for (int i = 0; i < 8; i++)
        {
            builder.Append(
                1_000 + i,
                i % 3 == 0 ? null : TestData.Compressible(12, i),
                i % 4 == 1 ? null : TestData.Compressible(40, i + 100),
                new RecordHeader("trace", TestData.Compressible(6, i)),
                new RecordHeader("n", null));
        }

        return builder.ToArray();
    }
}
