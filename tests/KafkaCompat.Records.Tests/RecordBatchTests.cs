using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace KafkaCompat.Records.Tests;

public class RecordBatchTests
{
    [Test]
    public void HandAssembledBatch_ParsesToTheWrittenFields()
    {
        var raw = new RawBatch
        {
            BaseOffset = 1000,
            PartitionLeaderEpoch = 5,
            Attributes = 0x10, // transactional, CreateTime, no compression
            LastOffsetDelta = 2,
            BaseTimestamp = 1_600_000_000_000,
            MaxTimestamp = 1_600_000_000_020,
            ProducerId = 77,
            ProducerEpoch = 3,
            BaseSequence = 40,
            RecordCount = 2,
        };
        raw.Bytes(RawBatch.Record(-5, 0, "k0"u8.ToArray(), "v0"u8.ToArray(), ("trace"u8.ToArray(), "abc"u8.ToArray()), ("empty"u8.ToArray(), null)))
           .Bytes(RawBatch.Record(20, 2, null, null));
        byte[] bytes = raw.ToArray();

        var batch = new RecordBatch(bytes);
        Assert.Multiple(() =>
        {
            Assert.That(batch.BaseOffset, Is.EqualTo(1000));
            Assert.That(batch.BatchLength, Is.EqualTo(bytes.Length - 12));
            Assert.That(batch.PartitionLeaderEpoch, Is.EqualTo(5));
            Assert.That(batch.Magic, Is.EqualTo(2));
            Assert.That(batch.Crc, Is.EqualTo(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(17))));
            Assert.That(batch.IsValidCrc(), Is.True);
            Assert.That(batch.Attributes, Is.EqualTo(0x10));
            Assert.That(batch.Compression, Is.EqualTo(CompressionType.None));
            Assert.That(batch.TimestampType, Is.EqualTo(TimestampType.CreateTime));
            Assert.That(batch.IsTransactional, Is.True);
            Assert.That(batch.IsControl, Is.False);
            Assert.That(batch.HasDeleteHorizon, Is.False);
            Assert.That(batch.LastOffsetDelta, Is.EqualTo(2));
            Assert.That(batch.BaseTimestamp, Is.EqualTo(1_600_000_000_000));
            Assert.That(batch.MaxTimestamp, Is.EqualTo(1_600_000_000_020));
            Assert.That(batch.ProducerId, Is.EqualTo(77));
            Assert.That(batch.ProducerEpoch, Is.EqualTo(3));
            Assert.That(batch.BaseSequence, Is.EqualTo(40));
            Assert.That(batch.RecordCount, Is.EqualTo(2));
            Assert.That(batch.LastOffset, Is.EqualTo(1002));
            Assert.That(batch.NextOffset, Is.EqualTo(1003));
            Assert.That(batch.SizeInBytes, Is.EqualTo(bytes.Length));
        });

        // The header alone, as the log engine holds it in its read-ahead buffer, reads the same fields.
        var header = new RecordBatchHeader(bytes.AsSpan(0, RecordBatchHeader.Size));
        Assert.That(
            (header.BaseOffset, header.SizeInBytes, header.PartitionLeaderEpoch, header.IsTransactional, header.LastOffsetDelta,
                header.MaxTimestamp, header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.RecordCount, header.NextOffset),
            Is.EqualTo((1000L, (long)bytes.Length, 5, true, 2, 1_600_000_000_020L, 77L, (short)3, 40, 2, 1003L)));

        using RecordBatchReader reader = batch.OpenRecords(1024);
        RecordEnumerator records = reader.GetEnumerator();

        Assert.That(records.MoveNext(), Is.True);
        Record first = records.Current;
        Assert.Multiple(() =>
        {
            Assert.That(first.Offset, Is.EqualTo(1000));
            Assert.That(first.OffsetDelta, Is.Zero);
            Assert.That(first.Timestamp, Is.EqualTo(1_600_000_000_000 - 5));
            Assert.That(first.TimestampDelta, Is.EqualTo(-5));
            Assert.That(first.KeySpan.ToArray(), Is.EqualTo("k0"u8.ToArray()));
            Assert.That(first.Value!.Value.ToArray(), Is.EqualTo("v0"u8.ToArray()));
            Assert.That(first.Headers.Count, Is.EqualTo(2));
            Assert.That(first.SizeInBytes, Is.EqualTo(RawBatch.Record(-5, 0, "k0"u8.ToArray(), "v0"u8.ToArray(), ("trace"u8.ToArray(), "abc"u8.ToArray()), ("empty"u8.ToArray(), null)).Length));
        });
        RecordHeaders.Enumerator headers = first.Headers.GetEnumerator();
        Assert.That(headers.MoveNext(), Is.True);
        Assert.That(headers.Current.KeyString, Is.EqualTo("trace"));
        Assert.That(headers.Current.Value!.Value.ToArray(), Is.EqualTo("abc"u8.ToArray()));
        Assert.That(headers.MoveNext(), Is.True);
        Assert.That(headers.Current.KeyString, Is.EqualTo("empty"));
        Assert.That(headers.Current.Value, Is.Null);
        Assert.That(headers.MoveNext(), Is.False);

        Assert.That(records.MoveNext(), Is.True);
        Record second = records.Current;
        Assert.Multiple(() =>
        {
            Assert.That(second.Offset, Is.EqualTo(1002));
            Assert.That(second.Timestamp, Is.EqualTo(1_600_000_000_020));
            Assert.That(second.IsKeyNull, Is.True);
            Assert.That(second.Key, Is.Null);
            Assert.That(second.IsValueNull, Is.True);
            Assert.That(second.Value, Is.Null);
            Assert.That(second.Headers.Count, Is.Zero);
        });
        Assert.That(records.MoveNext(), Is.False);
    }

    [Test]
    public void EmptyKeyAndValue_AreNotNull()
    {
        byte[] bytes = new RawBatch { RecordCount = 1 }.Bytes(RawBatch.Record(0, 0, [], [])).ToArray();
        using RecordBatchReader reader = new RecordBatch(bytes).OpenRecords(1024);
        foreach (Record record in reader)
        {
            Assert.That(record.Key, Is.Not.Null);
            Assert.That(record.Key!.Value.Length, Is.Zero);
            Assert.That(record.IsValueNull, Is.False);
            Assert.That(record.ValueSpan.Length, Is.Zero);
        }
    }

    [Test]
    public void Builder_RoundTrip_EveryCodec_WithHeadersAndNulls([ValueSource(typeof(TestData), nameof(TestData.AllCodecs))] CompressionType codec)
    {
        byte[] bigValue = TestData.Compressible(50_000, 9);
        using var builder = new RecordBatchBuilder(codec)
        {
            BaseOffset = 5_000_000_000,
            PartitionLeaderEpoch = 12,
            ProducerId = 123_456_789_012,
            ProducerEpoch = 9,
            BaseSequence = 31,
            IsTransactional = true,
        };
        builder.Append(1_000, "a"u8.ToArray(), "first"u8.ToArray(), new RecordHeader("h1", "x"u8.ToArray()), new RecordHeader("h2", null))
               .Append(900, null, "null key"u8.ToArray())
               .Append(1_500, "c"u8.ToArray(), null)
               .Append(1_200, null, null, new RecordHeader("ünïcode", Array.Empty<byte>()))
               .Append(1_300, "big"u8.ToArray(), bigValue);
        byte[] bytes = builder.ToArray();

        var batch = new RecordBatch(bytes);
        batch.EnsureValid();
        Assert.Multiple(() =>
        {
            Assert.That(batch.Compression, Is.EqualTo(codec));
            Assert.That(batch.BaseOffset, Is.EqualTo(5_000_000_000));
            Assert.That(batch.PartitionLeaderEpoch, Is.EqualTo(12));
            Assert.That(batch.ProducerId, Is.EqualTo(123_456_789_012));
            Assert.That(batch.ProducerEpoch, Is.EqualTo(9));
            Assert.That(batch.BaseSequence, Is.EqualTo(31));
            Assert.That(batch.IsTransactional, Is.True);
            Assert.That(batch.IsControl, Is.False);
            Assert.That(batch.RecordCount, Is.EqualTo(5));
            Assert.That(batch.LastOffsetDelta, Is.EqualTo(4));
            Assert.That(batch.NextOffset, Is.EqualTo(5_000_000_005));
            Assert.That(batch.BaseTimestamp, Is.EqualTo(1_000));
            Assert.That(batch.MaxTimestamp, Is.EqualTo(1_500));
        });
        if (codec != CompressionType.None)
        {
            Assert.That(batch.SizeInBytes, Is.LessThan(bigValue.Length / 2), "the records section is compressed");
        }

        using RecordBatchReader reader = batch.OpenRecords(1 << 20);
        var records = new List<(long Offset, long Timestamp, byte[]? Key, byte[]? Value, List<(string, byte[]?)> Headers)>();
        foreach (Record record in reader)
        {
            var headers = new List<(string, byte[]?)>();
            foreach (RecordHeader header in record.Headers)
            {
                headers.Add((header.KeyString, header.Value?.ToArray()));
            }

            records.Add((record.Offset, record.Timestamp, record.Key?.ToArray(), record.Value?.ToArray(), headers));
        }

        Assert.That(records, Has.Count.EqualTo(5));
        Assert.That(records.Select(r => r.Offset), Is.EqualTo(new[] { 5_000_000_000, 5_000_000_001, 5_000_000_002, 5_000_000_003, 5_000_000_004 }));
        Assert.That(records.Select(r => r.Timestamp), Is.EqualTo(new long[] { 1_000, 900, 1_500, 1_200, 1_300 }));
        Assert.That(records[0].Key, Is.EqualTo("a"u8.ToArray()));
        Assert.That(records[0].Value, Is.EqualTo("first"u8.ToArray()));
        Assert.That(records[0].Headers, Is.EqualTo(new List<(string, byte[]?)> { ("h1", "x"u8.ToArray()), ("h2", null) }));
        Assert.That(records[1].Key, Is.Null);
        Assert.That(records[2].Value, Is.Null);
        Assert.That(records[3].Key, Is.Null);
        Assert.That(records[3].Value, Is.Null);
        Assert.That(records[3].Headers, Is.EqualTo(new List<(string, byte[]?)> { ("ünïcode", Array.Empty<byte>()) }));
        Assert.That(records[4].Value, Is.EqualTo(bigValue));
    }

    [Test]
    public void Builder_AppendWithOffset_KeepsGaps()
    {
        using var builder = new RecordBatchBuilder { BaseOffset = 100 };
        builder.AppendWithOffset(100, 1, null, "a"u8.ToArray())
               .AppendWithOffset(105, 2, null, "b"u8.ToArray())
               .Append(3, null, "c"u8.ToArray());
        var batch = new RecordBatch(builder.ToArray());

        Assert.That(batch.LastOffset, Is.EqualTo(106));
        Assert.That(batch.RecordCount, Is.EqualTo(3));
        using RecordBatchReader reader = batch.OpenRecords(1024);
        var offsets = new List<long>();
        foreach (Record record in reader)
        {
            offsets.Add(record.Offset);
        }

        Assert.That(offsets, Is.EqualTo(new long[] { 100, 105, 106 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AppendWithOffset(106, 4, null, null));
    }

    [Test]
    public void Builder_WithoutRecords_Throws()
    {
        using var builder = new RecordBatchBuilder();
        Assert.Throws<InvalidOperationException>(() => builder.ToArray());
    }

    [Test]
    public void Builder_LogAppendTime_SetsTypeAndMaxTimestamp_AndRecordsTakeIt()
    {
        using var builder = new RecordBatchBuilder { LogAppendTime = 9_999 };
        builder.Append(1, null, "a"u8.ToArray()).Append(2, null, "b"u8.ToArray());
        var batch = new RecordBatch(builder.ToArray());

        Assert.That(batch.TimestampType, Is.EqualTo(TimestampType.LogAppendTime));
        Assert.That(batch.MaxTimestamp, Is.EqualTo(9_999));
        using RecordBatchReader reader = batch.OpenRecords(1024);
        foreach (Record record in reader)
        {
            Assert.That(record.Timestamp, Is.EqualTo(9_999));
        }
    }

    [Test]
    public void WriteTo_AppendsToAnExistingBuffer()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Lz4);
        builder.Append(1, "k"u8.ToArray(), "v"u8.ToArray());
        var output = new ArrayBufferWriter<byte>();
        output.Write("xyz"u8);
        int size = builder.WriteTo(output);

        Assert.That(output.WrittenCount, Is.EqualTo(3 + size));
        Assert.That(new RecordBatch(output.WrittenMemory[3..]).IsValidCrc(), Is.True);
    }

    [Test]
    public void UncompressedRecords_IterateWithoutAllocating()
    {
        using var builder = new RecordBatchBuilder();
        for (int i = 0; i < 1000; i++)
        {
            builder.Append(i, Encoding.ASCII.GetBytes($"key{i}"), new byte[20], new RecordHeader("h", "v"u8.ToArray()));
        }

        var batch = new RecordBatch(builder.ToArray());
        long checksum = CountHeaders(batch); // warm up (JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += CountHeaders(batch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(checksum, Is.EqualTo(2000 * 3));
        Assert.That(allocated, Is.Zero);
    }

    private static long CountHeaders(RecordBatch batch)
    {
        long total = 0;
        using RecordBatchReader reader = batch.OpenRecords(1 << 20);
        foreach (Record record in reader)
        {
            total += record.KeySpan.Length > 0 ? 1 : 0;
            foreach (RecordHeader header in record.Headers)
            {
                total += header.Key.Length + (header.Value?.Length ?? 0);
            }
        }

        return total;
    }
}
