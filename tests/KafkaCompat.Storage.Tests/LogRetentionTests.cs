using KafkaCompat.Protocol;

namespace KafkaCompat.Storage.Tests;

public class LogRetentionTests
{
    private const string Directory = "/log/orders-0";
    private static readonly TopicPartition Partition = new("orders", 0);

    private readonly MemoryFileSystem _fileSystem = new();

    [Test]
    public void DeleteRecordsBefore_ChecksPolicyAndRange_ThenCheckpointsAndDeletesWholeSegmentsBelow()
    {
        using LogSegments segments = Segments(3);
        var retention = new LogRetention(_fileSystem, Directory, Partition, segments, 0);

        Assert.That(retention.DeleteRecordsBefore(1, highWatermark: 3, LogConfig.Default with { CleanupPolicy = ["compact"] }).Error, Is.EqualTo(ErrorCode.PolicyViolation));
        Assert.That(retention.DeleteRecordsBefore(4, highWatermark: 3, LogConfig.Default).Error, Is.EqualTo(ErrorCode.OffsetOutOfRange));
        Assert.That(retention.LogStartOffset, Is.EqualTo(0));

        DeleteRecordsResult result = retention.DeleteRecordsBefore(-1, highWatermark: 2, LogConfig.Default);

        Assert.That((result.Error, result.LowWatermark), Is.EqualTo((ErrorCode.None, 2L)));
        Assert.That(LogStartOffsetCheckpoint.Read(_fileSystem, Directory), Is.EqualTo(2));
        Assert.That(segments.All.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 2 }));
    }

    [Test]
    public void Apply_DeletesBySize_OnlyRolledSegmentsBelowTheHighWatermark()
    {
        using LogSegments segments = Segments(4);
        long segmentSize = segments.All[0].Size;
        var retention = new LogRetention(_fileSystem, Directory, Partition, segments, 0);
        LogConfig config = LogConfig.Default with { RetentionBytes = segmentSize };

        Assert.That(retention.Apply(0, highWatermark: 1, config), Is.EqualTo(1), "segment 1 holds the high watermark");
        Assert.That(retention.Apply(0, highWatermark: 4, config), Is.EqualTo(2), "the active segment stays, even above retention.bytes");
        Assert.That(retention.LogStartOffset, Is.EqualTo(3));
        Assert.That(segments.All.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 3 }));
    }

    [Test]
    public void MaybeIncrementLogStartOffset_NeverMovesBack_ButResetToDoes()
    {
        using LogSegments segments = Segments(1);
        var retention = new LogRetention(_fileSystem, Directory, Partition, segments, 5);

        retention.MaybeIncrementLogStartOffset(3);
        Assert.That(retention.LogStartOffset, Is.EqualTo(5));
        retention.ResetTo(3);
        Assert.That(retention.LogStartOffset, Is.EqualTo(3));
        Assert.That(LogStartOffsetCheckpoint.Read(_fileSystem, Directory), Is.EqualTo(3));
    }

    /// <summary>One one-record batch per segment, offsets 0, 1, 2...</summary>
    private LogSegments Segments(int count)
    {
        _fileSystem.CreateDirectory(Directory);
        var list = new List<LogSegment>();
        for (int offset = 0; offset < count; offset++)
        {
            LogSegment segment = LogSegment.Create(_fileSystem, Directory, offset, LogConfig.Default, 0);
            byte[] batch = Batches.Make(records: 1);
            KafkaCompat.Records.RecordBatch.SetBaseOffset(batch, offset);
            segment.Append(batch, LogConfig.Default.IndexIntervalBytes, 0);
            list.Add(segment);
        }

        return new LogSegments(_fileSystem, Directory, list);
    }
}
