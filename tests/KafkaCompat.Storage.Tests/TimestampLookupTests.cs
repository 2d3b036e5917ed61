namespace KafkaCompat.Storage.Tests;

public class TimestampLookupTests
{
    [Test]
    public void OffsetForTimestamp_FindsTheFirstRecordAtOrAfterIt_ThroughTheTimeIndex()
    {
        // Small segments and an index entry for nearly every batch, so the time index is used.
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = 600, IndexIntervalBytes = 1 });
        var expected = new List<(long Timestamp, long Offset)>();
        long offset = 0;
        for (int i = 0; i < 40; i++)
        {
            long start = 1_000 + (i * 100);
            fixture.Append(Batches.WithTimestamps(start, start + 10, start + 20));
            expected.Add((start, offset));
            expected.Add((start + 10, offset + 1));
            expected.Add((start + 20, offset + 2));
            offset += 3;
        }

        Assert.That(fixture.Log.SegmentCount, Is.GreaterThan(3));
        foreach ((long timestamp, long expectedOffset) in expected)
        {
            Assert.That(fixture.Log.OffsetForTimestamp(timestamp), Is.EqualTo(new TimestampAndOffset(timestamp, expectedOffset, 0)));
            // Between records: the next record.
            Assert.That(fixture.Log.OffsetForTimestamp(timestamp - 1)?.Offset, Is.EqualTo(expectedOffset));
        }

        Assert.That(fixture.Log.OffsetForTimestamp(0)?.Offset, Is.EqualTo(0));
        Assert.That(fixture.Log.OffsetForTimestamp(1_000 + (39 * 100) + 21), Is.Null);
    }

    [Test]
    public void OffsetForTimestamp_WithOutOfOrderTimestamps_FindsTheFirstBatchReachingIt()
    {
        using var fixture = new LogFixture(LogConfig.Default with { IndexIntervalBytes = 1 });
        fixture.Append(Batches.WithTimestamps(100));
        fixture.Append(Batches.WithTimestamps(300));
        fixture.Append(Batches.WithTimestamps(200));
        fixture.Append(Batches.WithTimestamps(400));

        Assert.That(fixture.Log.OffsetForTimestamp(150)?.Offset, Is.EqualTo(1));
        Assert.That(fixture.Log.OffsetForTimestamp(350)?.Offset, Is.EqualTo(3));
    }

    [Test]
    public void MaxTimestamp_IsTheRecordWithTheLargestTimestamp()
    {
        int size = Batches.WithTimestamps(1, 2, 3).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = size * 2 });
        fixture.Append(Batches.WithTimestamps(10, 20, 30));
        fixture.Append(Batches.WithTimestamps(40, 90, 50), leaderEpoch: 3);
        fixture.Append(Batches.WithTimestamps(60, 70, 80));

        Assert.That(fixture.Log.MaxTimestampOffset(), Is.EqualTo(new TimestampAndOffset(90, 4, 3)));
        Assert.That(fixture.Log.FetchOffsetByTimestamp(ListOffsetsTimestamp.MaxTimestamp, fixture.Log.HighWatermark)?.Offset, Is.EqualTo(4));
    }

    [Test]
    public void SpecialTimestamps_AreTheLogStartOffsetAndTheHighWatermark()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 5, timestamp: 100));
        fixture.Log.Append(Batches.Make(records: 5, timestamp: 200), 0);

        Assert.That(fixture.Log.FetchOffsetByTimestamp(ListOffsetsTimestamp.Earliest, fixture.Log.HighWatermark)?.Offset, Is.EqualTo(0));
        Assert.That(fixture.Log.FetchOffsetByTimestamp(ListOffsetsTimestamp.Latest, fixture.Log.HighWatermark)?.Offset, Is.EqualTo(5));
        // Records beyond the high watermark are not visible to ListOffsets either.
        Assert.That(fixture.Log.FetchOffsetByTimestamp(200, fixture.Log.HighWatermark), Is.Null);
        Assert.That(fixture.Log.FetchOffsetByTimestamp(102, fixture.Log.HighWatermark)?.Offset, Is.EqualTo(2));
    }

    [Test]
    public void TimestampLookups_SurviveARestart()
    {
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = 300, IndexIntervalBytes = 1 });
        for (int i = 0; i < 20; i++)
        {
            fixture.Append(Batches.WithTimestamps(i * 10));
        }

        fixture.Restart();

        Assert.That(fixture.Log.OffsetForTimestamp(95)?.Offset, Is.EqualTo(10));
        Assert.That(fixture.Log.MaxTimestampOffset()?.Offset, Is.EqualTo(19));
    }
}
