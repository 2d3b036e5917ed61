namespace KafkaCompat.Storage.Tests;

public class RollTests
{
    [Test]
    public void RollsBySize_AtTheBatchThatWouldOverflowTheSegment()
    {
        int size = Batches.Make(records: 1).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = (size * 3) + 5 });

        for (int i = 0; i < 7; i++)
        {
            fixture.Append(Batches.Make(records: 1));
        }

        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 3, 6 }));
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(3)), Is.True);
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(6, ".index")), Is.True);
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(6, ".timeindex")), Is.True);
        // A producer snapshot is taken at each roll, named by the new segment's base offset.
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(6, ".snapshot")), Is.True);
    }

    [Test]
    public void RollsByTime_WhenTheNewBatchIsMoreThanSegmentMsAfterTheFirst()
    {
        using var fixture = new LogFixture(LogConfig.Default with { SegmentMs = 1_000 });

        fixture.Append(Batches.Make(timestamp: 10_000));
        fixture.Append(Batches.Make(timestamp: 10_900));
        fixture.Append(Batches.Make(timestamp: 11_000));
        Assert.That(fixture.Log.SegmentCount, Is.EqualTo(1));

        fixture.Append(Batches.Make(timestamp: 11_001));

        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 3 }));
    }

    [Test]
    public void RollsByTime_UsingTheClock_ForBatchesWithoutTimestamps()
    {
        using var fixture = new LogFixture(LogConfig.Default with { SegmentMs = 1_000 });
        fixture.Append(Batches.Make(timestamp: -1));
        fixture.Time.AdvanceMs(1_001);

        fixture.Append(Batches.Make(timestamp: -1));

        Assert.That(fixture.Log.SegmentCount, Is.EqualTo(2));
    }

    [Test]
    public void ARolledSegment_IsFlushedAndItsTimeIndexEndsWithItsMaxTimestamp()
    {
        int size = Batches.Make(records: 1).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = size * 2 });
        fixture.Append(Batches.Make(timestamp: 500));
        fixture.Append(Batches.Make(timestamp: 900));
        fixture.Append(Batches.Make(timestamp: 700));

        Assert.That(fixture.Log.RecoveryPoint, Is.EqualTo(2));
        Assert.That(fixture.Log.Segments[0].MaxTimestamp, Is.EqualTo(900));
        // The last .timeindex entry of the rolled segment: timestamp 900 at offset 1.
        byte[] timeIndex = fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".timeindex"));
        Assert.That(timeIndex.Length, Is.EqualTo(12));
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(timeIndex), Is.EqualTo(900));
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(timeIndex.AsSpan(8)), Is.EqualTo(1));
    }
}
