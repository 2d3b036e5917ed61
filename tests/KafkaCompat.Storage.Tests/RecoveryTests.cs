using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

public class RecoveryTests
{
    [Test]
    public void AWriteTornAtEveryBytePositionOfTheLastBatch_LeavesExactlyTheCompleteBatches()
    {
        byte[][] batches = [Batches.Make(records: 3), Batches.Make(records: 2), Batches.Make(records: 4), Batches.Make(records: 5, valueSize: 30)];
        int lastSize = batches[^1].Length;
        for (int kept = 0; kept < lastSize; kept++)
        {
            using var fixture = new LogFixture(LogConfig.Default with { IndexIntervalBytes = 1 });
            foreach (byte[] batch in batches[..^1])
            {
                fixture.Append(batch.ToArray());
            }

            fixture.Log.Flush();
            byte[] durable = fixture.ReadAll();
            fixture.Append(batches[^1].ToArray());

            PartitionLog log = fixture.CrashAndReopen(fixture.SegmentPath(0), kept);

            Assert.That(log.LoadInfo.HadCleanShutdown, Is.False);
            Assert.That(log.LoadInfo.TruncatedBytes, Is.EqualTo(kept), $"kept {kept} bytes of the torn batch");
            Assert.That(log.LogEndOffset, Is.EqualTo(9), $"kept {kept}");
            Assert.That(log.HighWatermark, Is.EqualTo(9));
            Assert.That(fixture.ReadAll(), Is.EqualTo(durable), $"kept {kept}");
            Assert.That(fixture.Append(Batches.Make(records: 2)).FirstOffset, Is.EqualTo(9), $"kept {kept}");
            Assert.That(Batches.Split(fixture.ReadAll()).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 3, 5, 9 }));
        }
    }

    [Test]
    public void AWriteThatCompletedBeforeTheCrash_IsKept()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 3));
        fixture.Log.Flush();
        byte[] last = Batches.Make(records: 2);
        fixture.Append(last);

        PartitionLog log = fixture.CrashAndReopen(fixture.SegmentPath(0), last.Length);

        Assert.That(log.LogEndOffset, Is.EqualTo(5));
        Assert.That(log.LoadInfo.TruncatedBytes, Is.Zero);
    }

    [Test]
    public void ACorruptByteInTheTailBatch_TruncatesFromThatBatch()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 3));
        fixture.Append(Batches.Make(records: 2));
        fixture.Append(Batches.Make(records: 4));
        fixture.Log.Flush();
        byte[] content = fixture.FileSystem.GetContent(fixture.SegmentPath(0));
        int lastBatchStart = content.Length - Batches.Make(records: 4).Length;
        content[lastBatchStart + 70] ^= 0xFF;
        fixture.FileSystem.SetContent(fixture.SegmentPath(0), content);

        PartitionLog log = fixture.CrashAndReopen();

        Assert.That(log.LogEndOffset, Is.EqualTo(5));
        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(0)).Length, Is.EqualTo(lastBatchStart));
        Assert.That(Batches.Split(fixture.ReadAll()).All(b => b.IsValidCrc()), Is.True);
    }

    [Test]
    public void UnflushedDataIsLost_AndTheLogStartsAgainWhereTheDiskEnds()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 3));

        PartitionLog log = fixture.CrashAndReopen();

        Assert.That(log.LogEndOffset, Is.Zero);
        Assert.That(fixture.Append(Batches.Make()).FirstOffset, Is.Zero);
    }

    [Test]
    public void TheCleanShutdownMarker_SkipsRecovery_AndIsRemovedAtOpen()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 3));
        fixture.Append(Batches.Make(records: 2));
        fixture.Log.Close();
        string marker = Path.Combine(fixture.Directory, ".kafka_cleanshutdown");
        Assert.That(fixture.FileSystem.FileExists(marker), Is.True);

        // A payload byte flipped after the clean shutdown: trusted (not CRC-checked) at a clean open.
        byte[] content = fixture.FileSystem.GetContent(fixture.SegmentPath(0));
        content[^1] ^= 0xFF;
        fixture.FileSystem.SetContent(fixture.SegmentPath(0), content);
        PartitionLog log = fixture.CrashAndReopen();

        Assert.That(log.LoadInfo.HadCleanShutdown, Is.True);
        Assert.That(log.LoadInfo.RecoveredSegments, Is.Zero);
        Assert.That(log.LogEndOffset, Is.EqualTo(5));
        Assert.That(fixture.FileSystem.FileExists(marker), Is.False);

        // Without the marker, the next (unclean) open checks CRCs and cuts the damaged batch.
        log = fixture.CrashAndReopen();
        Assert.That(log.LoadInfo.HadCleanShutdown, Is.False);
        Assert.That(log.LogEndOffset, Is.EqualTo(3));
    }

    [Test]
    public void RecoveryOfTheActiveSegment_KeepsRolledSegments_AndRebuildsItsIndexes()
    {
        int size = Batches.Make(records: 2).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = size * 3, IndexIntervalBytes = 1 });
        for (int i = 0; i < 8; i++)
        {
            fixture.Append(Batches.Make(records: 2, timestamp: 1_000 + i));
        }

        // Segments [0..5], [6..11], [12..15]; the rolled ones were flushed at roll, the active one never.
        fixture.FileSystem.DeleteFile(fixture.SegmentPath(12, ".index"));
        PartitionLog log = fixture.CrashAndReopen();

        Assert.That(log.LogEndOffset, Is.EqualTo(12));
        Assert.That(log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 6, 12 }));
        Assert.That(log.OffsetForTimestamp(1_004)?.Offset, Is.EqualTo(7));
        Assert.That(fixture.Append(Batches.Make(records: 2)).FirstOffset, Is.EqualTo(12));
    }

    [Test]
    public void ATornIndexTail_IsIgnoredAndRebuilt()
    {
        using var fixture = new LogFixture(LogConfig.Default with { IndexIntervalBytes = 1 });
        for (int i = 0; i < 10; i++)
        {
            fixture.Append(Batches.Make(records: 1));
        }

        fixture.Log.Flush();
        fixture.Append(Batches.Make(records: 1));
        fixture.Append(Batches.Make(records: 1));

        PartitionLog log = fixture.CrashAndReopen(fixture.SegmentPath(0, ".index"), 5);

        Assert.That(log.LogEndOffset, Is.EqualTo(10));
        using LogReadResult read = log.Read(9, 1, 10, true);
        Assert.That(Batches.Split(read.Records).Single().BaseOffset, Is.EqualTo(9));
    }

    [Test]
    public void ClosedCleanly_ReopensWithTheSameState()
    {
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = 500 });
        for (int i = 0; i < 30; i++)
        {
            fixture.Append(Batches.Make(records: 2, timestamp: 100 + i));
        }

        byte[] before = fixture.ReadAll();
        long segments = fixture.Log.SegmentCount;

        PartitionLog log = fixture.Restart();

        Assert.That(log.LoadInfo.HadCleanShutdown, Is.True);
        Assert.That(log.LogEndOffset, Is.EqualTo(60));
        Assert.That(log.SegmentCount, Is.EqualTo(segments));
        Assert.That(fixture.ReadAll(), Is.EqualTo(before));
        Assert.That(log.MaxTimestampOffset()?.Offset, Is.EqualTo(59));
        Assert.That(new RecordBatch(before.AsMemory(0, Batches.Make(records: 2).Length)).IsValidCrc(), Is.True);
    }
}
