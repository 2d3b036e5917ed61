namespace KafkaCompat.Storage.Tests;

public class LogSegmentsTests
{
    private const string Directory = "/log/orders-0";

    private readonly MemoryFileSystem _fileSystem = new();

    [Test]
    public void Read_SpansSegments_AndStopsBeforeTheLimit()
    {
        using LogSegments segments = Segments(batchesPerSegment: 2, segmentCount: 3);

        segments.EnterRead();
        (byte[] buffer, int length, _) = segments.Read(fetchOffset: 1, maxBytes: int.MaxValue, limit: 5, minOneBatch: true)!.Value;
        bool nothingAtTheLimit = segments.Read(fetchOffset: 5, maxBytes: int.MaxValue, limit: 5, minOneBatch: true) is null;
        segments.ExitRead();

        Assert.That(Batches.Split(buffer.AsMemory(0, length)).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        Assert.That(nothingAtTheLimit, Is.True);
    }

    [Test]
    public void DeletePrefix_NeverDeletesTheActiveSegment()
    {
        using LogSegments segments = Segments(batchesPerSegment: 1, segmentCount: 3);

        segments.DeletePrefix(5);

        Assert.That(segments.All.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 2 }));
        Assert.That(_fileSystem.FileExists(LogSegment.PathFor(Directory, 0, LogSegment.LogExtension)), Is.False);
    }

    [Test]
    public void Replace_RefusesSegmentsThatAreNoLongerConsecutiveRolledOnes()
    {
        using LogSegments segments = Segments(batchesPerSegment: 1, segmentCount: 3);
        LogSegment[] all = [.. segments.All];
        bool swapped = false;

        Assert.That(segments.Replace([all[0], all[2]], () => { swapped = true; return all[0]; }), Is.False);
        Assert.That(segments.Replace([all[2]], () => { swapped = true; return all[2]; }), Is.False, "the active segment is never replaced");
        Assert.That(swapped, Is.False);
        Assert.That(segments.Replace([all[0], all[1]], () => all[1]), Is.True);
        Assert.That(segments.All, Is.EqualTo(new[] { all[1], all[2] }));
    }

    [Test]
    public void TruncateTo_BelowTheFirstSegment_LeavesOneEmptySegmentThere()
    {
        using LogSegments segments = Segments(batchesPerSegment: 1, segmentCount: 2, firstOffset: 10);

        long end = segments.TruncateTo(4, LogConfig.Default, 0);

        Assert.That(end, Is.EqualTo(4));
        Assert.That(segments.All.Select(s => (s.BaseOffset, s.Size)), Is.EqualTo(new[] { (4L, 0L) }));
    }

    [Test]
    public void AfterDispose_ReadsThrow()
    {
        LogSegments segments = Segments(batchesPerSegment: 1, segmentCount: 1);

        segments.Dispose();

        Assert.That(segments.IsClosed, Is.True);
        Assert.That(segments.EnterRead, Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => segments.MaxTimestampOffset(), Throws.TypeOf<ObjectDisposedException>());
    }

    /// <summary>Segments of one-record batches with offsets from <paramref name="firstOffset"/>.</summary>
    private LogSegments Segments(int batchesPerSegment, int segmentCount, long firstOffset = 0)
    {
        _fileSystem.CreateDirectory(Directory);
        var list = new List<LogSegment>();
        long offset = firstOffset;
        for (int s = 0; s < segmentCount; s++)
        {
            LogSegment segment = LogSegment.Create(_fileSystem, Directory, offset, LogConfig.Default, 0);
            for (int b = 0; b < batchesPerSegment; b++)
            {
                byte[] batch = Batches.Make(records: 1);
                KafkaCompat.Records.RecordBatch.SetBaseOffset(batch, offset++);
                segment.Append(batch, LogConfig.Default.IndexIntervalBytes, 0);
            }

            list.Add(segment);
        }

        return new LogSegments(_fileSystem, Directory, list);
    }
}
