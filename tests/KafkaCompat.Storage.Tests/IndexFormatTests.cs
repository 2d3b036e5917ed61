using System.Buffers.Binary;

namespace KafkaCompat.Storage.Tests;

/// <summary>The bytes of the index files, as Kafka's own tools (kafka-dump-log) read them.</summary>
public class IndexFormatTests
{
    [Test]
    public void TheOffsetIndex_Holds8ByteEntries_OfRelativeOffsetThenPosition_AndTheTimeIndex12ByteEntries_OfTimestampThenRelativeOffset()
    {
        int size = Batches.Make(records: 2).Length;
        // Three batches (six offsets) a segment, so the second segment's base offset is 6 and its
        // entries hold offsets relative to it. Any byte since the last entry is more than the
        // interval: every batch after a segment's first is indexed.
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = (3 * size) + 5, IndexIntervalBytes = 1 });
        for (int timestamp = 100; timestamp <= 600; timestamp += 100)
        {
            fixture.Append(Batches.Make(records: 2, timestamp: timestamp));
        }

        Assert.That(fixture.Log.Segments.Select(segment => segment.BaseOffset), Is.EqualTo(new long[] { 0, 6 }));
        byte[] offsetIndex = fixture.FileSystem.GetContent(fixture.SegmentPath(6, ".index"));
        byte[] timeIndex = fixture.FileSystem.GetContent(fixture.SegmentPath(6, ".timeindex"));

        Assert.That(offsetIndex, Is.EqualTo(Batches.Concat(Int32(2), Int32(size), Int32(4), Int32(2 * size))));
        // Each entry: the max timestamp so far and the offset of the record that has it (each batch's
        // second record, one millisecond after its first).
        Assert.That(timeIndex, Is.EqualTo(Batches.Concat(Int64(501), Int32(3), Int64(601), Int32(5))));
    }

    [Test]
    public void IndexesOfManyEntries_AreLoadedAsWritten_AndGrowAfterLoading()
    {
        // An entry for every batch after the first: more entries than the in-memory arrays start with.
        using var fixture = new LogFixture(LogConfig.Default with { IndexIntervalBytes = 1 });
        AppendBatches(fixture, 0, 40);
        byte[] offsetIndex = fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".index"));
        Assert.That(offsetIndex.Length, Is.EqualTo(39 * 8));

        fixture.Restart();
        Assert.That(fixture.Log.LoadInfo.RecoveredSegments, Is.Zero);
        AssertEveryOffsetIsFound(fixture, 40);

        AppendBatches(fixture, 40, 80);
        AssertEveryOffsetIsFound(fixture, 80);
    }

    private static void AppendBatches(LogFixture fixture, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            fixture.Append(Batches.WithTimestamps(1_000 + (i * 10)));
        }
    }

    private static void AssertEveryOffsetIsFound(LogFixture fixture, long count)
    {
        for (long offset = 0; offset < count; offset++)
        {
            using LogReadResult read = fixture.Log.Read(offset, 1, count, minOneBatch: true);
            Assert.That(Batches.Split(read.Records).Single().BaseOffset, Is.EqualTo(offset));
            Assert.That(fixture.Log.OffsetForTimestamp(1_000 + (offset * 10) - 5)?.Offset, Is.EqualTo(offset));
        }
    }

    private static byte[] Int32(int value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64(long value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
