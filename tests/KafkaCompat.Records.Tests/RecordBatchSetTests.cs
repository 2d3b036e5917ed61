using System.Buffers;
using System.Buffers.Binary;

namespace KafkaCompat.Records.Tests;

public class RecordBatchSetTests
{
    [Test]
    public void SplitsConcatenatedBatches_WithoutCopying()
    {
        byte[] records = ThreeBatches(out int[] sizes);

        var batches = new List<RecordBatch>();
        foreach (RecordBatch batch in new RecordBatchSet(records))
        {
            batches.Add(batch);
        }

        Assert.That(batches.Select(b => b.SizeInBytes), Is.EqualTo(sizes));
        Assert.That(batches.Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 10, 20 }));
        Assert.That(batches.Select(b => b.Compression), Is.EqualTo(new[] { CompressionType.None, CompressionType.Gzip, CompressionType.Zstd }));
        Assert.That(MemoryMarshalOffset(records, batches[2]), Is.EqualTo(sizes[0] + sizes[1]), "the slice points into the original buffer");
        Assert.That(new RecordBatchSet(records).EnsureValid(), Is.EqualTo(3));
    }

    [Test]
    public void EmptyBuffer_HasNoBatches()
    {
        var batches = new RecordBatchEnumerator(ReadOnlyMemory<byte>.Empty);
        Assert.That(batches.MoveNext(), Is.False);
        Assert.That(batches.HasTrailingPartialBatch, Is.False);
        Assert.That(new RecordBatchSet(ReadOnlyMemory<byte>.Empty).EnsureValid(), Is.Zero);
    }

    [Test]
    public void TrailingPartialBatch_IsReported_NotThrown_AtEveryCut()
    {
        byte[] records = ThreeBatches(out int[] sizes);
        int wholeBeforeLast = sizes[0] + sizes[1];
        for (int cut = wholeBeforeLast + 1; cut < records.Length; cut++)
        {
            var batches = new RecordBatchEnumerator(records.AsMemory(0, cut));
            int count = 0;
            while (batches.MoveNext())
            {
                count++;
            }

            Assert.That(count, Is.EqualTo(2), $"cut at {cut}");
            Assert.That(batches.HasTrailingPartialBatch, Is.True);
            Assert.That(batches.TrailingPartialBatchBytes, Is.EqualTo(cut - wholeBeforeLast));
            Assert.That(batches.BytesConsumed, Is.EqualTo(wholeBeforeLast));
            Assert.Throws<CorruptRecordException>(() => new RecordBatchSet(records.AsMemory(0, cut)).EnsureValid(), "Produce needs whole batches");
        }
    }

    [Test]
    public void EnsureValid_RejectsABadCrcInAnyBatch()
    {
        byte[] records = ThreeBatches(out int[] sizes);
        records[sizes[0] + sizes[1] + 70] ^= 0x01;
        Assert.Throws<CorruptRecordException>(() => new RecordBatchSet(records).EnsureValid());
    }

    [TestCase((byte)0)]
    [TestCase((byte)1)]
    public void LegacyMagic_ThrowsUnsupportedRecordVersion(byte magic)
    {
        byte[] records = ThreeBatches(out _);
        records[16] = magic;
        var ex = Assert.Throws<UnsupportedRecordVersionException>(() => new RecordBatchEnumerator(records).MoveNext());
        Assert.That(ex!.Magic, Is.EqualTo(magic));
    }

    [TestCase((byte)3)]
    [TestCase((byte)0xFF)]
    public void UnknownMagic_ThrowsCorrupt(byte magic)
    {
        byte[] records = ThreeBatches(out _);
        records[16] = magic;
        Assert.Throws<CorruptRecordException>(() => new RecordBatchEnumerator(records).MoveNext());
    }

    [TestCase(-1)]
    [TestCase(int.MinValue)]
    [TestCase(0)]
    [TestCase(48)]
    public void ImpossibleBatchLength_ThrowsCorrupt(int batchLength)
    {
        byte[] records = ThreeBatches(out _);
        BinaryPrimitives.WriteInt32BigEndian(records.AsSpan(8), batchLength);
        Assert.Throws<CorruptRecordException>(() => new RecordBatchEnumerator(records).MoveNext());
    }

    [Test]
    public void HugeBatchLength_IsAPartialBatch_ForTheEnumerator_AndCorrupt_ForTheConstructor()
    {
        byte[] records = ThreeBatches(out _);
        BinaryPrimitives.WriteInt32BigEndian(records.AsSpan(8), int.MaxValue);

        var batches = new RecordBatchEnumerator(records);
        Assert.That(batches.MoveNext(), Is.False);
        Assert.That(batches.TrailingPartialBatchBytes, Is.EqualTo(records.Length));
        Assert.Throws<CorruptRecordException>(() => _ = new RecordBatch(records));
    }

    [Test]
    public void Constructor_RejectsTrailingBytesAfterTheBatch()
    {
        byte[] records = ThreeBatches(out int[] sizes);
        Assert.Throws<CorruptRecordException>(() => _ = new RecordBatch(records.AsMemory(0, sizes[0] + 1)));
    }

    private static long MemoryMarshalOffset(byte[] buffer, RecordBatch batch) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(batch.Memory, out ArraySegment<byte> segment) && segment.Array == buffer
            ? segment.Offset
            : -1;

    private static byte[] ThreeBatches(out int[] sizes)
    {
        var output = new ArrayBufferWriter<byte>();
        CompressionType[] codecs = [CompressionType.None, CompressionType.Gzip, CompressionType.Zstd];
        sizes = new int[3];
        for (int i = 0; i < 3; i++)
        {
            using var builder = new RecordBatchBuilder(codecs[i]) { BaseOffset = i * 10 };
            for (int r = 0; r < 10; r++)
            {
                builder.Append(r, null, TestData.Compressible(100, r));
            }

            sizes[i] = builder.WriteTo(output);
        }

        return output.WrittenSpan.ToArray();
    }
}
