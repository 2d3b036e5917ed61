using KafkaCompat.Protocol;

namespace KafkaCompat.Storage.Tests;

public class RetentionTests
{
    private static readonly int BatchSize = Batches.Make(records: 2).Length;

    /// <summary>Three batches (six offsets) per segment.</summary>
    private static LogConfig SmallSegments => LogConfig.Default with { SegmentBytes = BatchSize * 3 };

    [Test]
    public void DeleteRecordsBefore_MovesTheLogStartOffset_AndDeletesWholeSegmentsBelowIt()
    {
        using LogFixture fixture = WithBatches(SmallSegments, 10);
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 6, 12, 18 }));

        DeleteRecordsResult result = fixture.Log.DeleteRecordsBefore(14);

        Assert.That(result, Is.EqualTo(new DeleteRecordsResult(ErrorCode.None, 14)));
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(14));
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 12, 18 }));
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(6)), Is.False);
        using (LogReadResult below = fixture.Log.Read(13, 1000, 20, true))
        {
            Assert.That(below.Error, Is.EqualTo(ErrorCode.OffsetOutOfRange));
        }

        Assert.That(fixture.Log.FetchOffsetByTimestamp(ListOffsetsTimestamp.Earliest, fixture.Log.HighWatermark)?.Offset, Is.EqualTo(14));

        fixture.Restart();
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(14));
        using LogReadResult read = fixture.Log.Read(14, 1 << 20, 20, true);
        Assert.That(Batches.Split(read.Records).First().BaseOffset, Is.EqualTo(14));
    }

    [Test]
    public void DeleteRecordsBefore_SurvivesACrash()
    {
        using LogFixture fixture = WithBatches(SmallSegments, 10);
        fixture.Log.Flush();

        fixture.Log.DeleteRecordsBefore(8);
        fixture.CrashAndReopen();

        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(8));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(20));
    }

    [Test]
    public void DeleteRecordsBefore_BeyondTheHighWatermark_IsOffsetOutOfRange_AndMinusOneMeansTheHighWatermark()
    {
        using LogFixture fixture = WithBatches(SmallSegments, 4);

        Assert.That(fixture.Log.DeleteRecordsBefore(9).Error, Is.EqualTo(ErrorCode.OffsetOutOfRange));
        Assert.That(fixture.Log.DeleteRecordsBefore(-1), Is.EqualTo(new DeleteRecordsResult(ErrorCode.None, 8)));
        // Everything is deleted but the active segment stays, and appends go on after it.
        Assert.That(fixture.Append(Batches.Make()).FirstOffset, Is.EqualTo(8));
    }

    [Test]
    public void DeleteRecords_OnACompactedTopic_IsAPolicyViolation()
    {
        using LogFixture fixture = WithBatches(LogConfig.Default with { CleanupPolicy = ["compact"] }, 2);

        Assert.That(fixture.Log.DeleteRecordsBefore(1).Error, Is.EqualTo(ErrorCode.PolicyViolation));
    }

    [Test]
    public void RetentionByTime_DeletesRolledSegmentsOlderThanRetentionMs_ByTheirLargestTimestamp()
    {
        using var fixture = new LogFixture(SmallSegments with { RetentionMs = 10_000 });
        long now = fixture.Time.NowMs;
        // Segments [0..5] at now-20s, [6..11] at now-15s, [12..17] at now-5s, active [18..] at now.
        foreach (long age in new long[] { 20_000, 20_000, 20_000, 15_000, 15_000, 15_000, 5_000, 5_000, 5_000, 0 })
        {
            fixture.Append(Batches.Make(records: 2, timestamp: now - age));
        }

        int deleted = fixture.Log.ApplyRetention(fixture.Time.NowMs);

        Assert.That(deleted, Is.EqualTo(2));
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(12));
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 12, 18 }));

        fixture.Restart();
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(12));
    }

    [Test]
    public void RetentionByTime_NeverDeletesTheActiveSegment()
    {
        using var fixture = new LogFixture(LogConfig.Default with { RetentionMs = 1_000 });
        fixture.Append(Batches.Make(timestamp: 0));

        Assert.That(fixture.Log.ApplyRetention(fixture.Time.NowMs + 1_000_000), Is.Zero);
        Assert.That(fixture.Log.LogStartOffset, Is.Zero);
    }

    [Test]
    public void RetentionMsMinusOne_KeepsEverything()
    {
        using var fixture = new LogFixture(SmallSegments with { RetentionMs = -1 });
        for (int i = 0; i < 10; i++)
        {
            fixture.Append(Batches.Make(records: 2, timestamp: 0));
        }

        Assert.That(fixture.Log.ApplyRetention(long.MaxValue / 2), Is.Zero);
    }

    [Test]
    public void RetentionBySize_DeletesOldestSegmentsWhileTheLogIsAboveRetentionBytes()
    {
        // 4 segments of 3, 3, 3, 1 batches: 10 batches. Keeping at least 5 batches allows deleting only the first.
        using var fixture = new LogFixture(SmallSegments with { RetentionBytes = BatchSize * 5, RetentionMs = -1 });
        for (int i = 0; i < 10; i++)
        {
            fixture.Append(Batches.Make(records: 2));
        }

        int deleted = fixture.Log.ApplyRetention(fixture.Time.NowMs);

        Assert.That(deleted, Is.EqualTo(1));
        Assert.That(fixture.Log.Size, Is.EqualTo(BatchSize * 7));
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(6));

        fixture.Log.UpdateConfig(fixture.Log.Config with { RetentionBytes = BatchSize });
        Assert.That(fixture.Log.ApplyRetention(fixture.Time.NowMs), Is.EqualTo(2));
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(18));
    }

    [Test]
    public void Retention_OnlyDeletesSegmentsBelowTheHighWatermark()
    {
        using var fixture = new LogFixture(SmallSegments with { RetentionMs = 1 });
        for (int i = 0; i < 10; i++)
        {
            fixture.Log.Append(Batches.Make(records: 2, timestamp: 0), 0);
        }

        fixture.Log.UpdateHighWatermark(7);

        Assert.That(fixture.Log.ApplyRetention(fixture.Time.NowMs), Is.EqualTo(1));
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(6));
    }

    private static LogFixture WithBatches(LogConfig config, int count)
    {
        var fixture = new LogFixture(config);
        for (int i = 0; i < count; i++)
        {
            fixture.Append(Batches.Make(records: 2));
        }

        return fixture;
    }
}
