using System.Text;
using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

public class CleanerTests
{
    [Test]
    public void AClean_KeepsTheLatestRecordPerKey_AtItsOriginalOffset_AndLeavesTheActiveSegmentAlone()
    {
        using var fixture = new LogFixture(Compacted.Config);
        fixture.Append(Compacted.Batch(1_000, ("k1", "a")));
        fixture.Append(Compacted.Batch(2_000, ("k2", "b")));
        fixture.Append(Compacted.Batch(3_000, ("k1", "c")));
        fixture.Append(Compacted.Batch(4_000, ("k3", "d")));
        fixture.Append(Compacted.Batch(5_000, ("k2", "e")));
        fixture.Append(Compacted.Batch(6_000, ("k1", "f")));
        Assert.That(fixture.Log.SegmentCount, Is.EqualTo(6));
        byte[] active = fixture.FileSystem.GetContent(fixture.SegmentPath(5));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        CleanerStats? stats = cleaner.CleanFilthiestLog();

        Assert.That(stats, Is.Not.Null);
        Assert.That(stats!.EndOffset, Is.EqualTo(5));
        // The active segment's k1=f does not supersede k1=c: the cleaner never reads the active segment.
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "2:k1=c", "3:k3=d", "4:k2=e", "5:k1=f" }));
        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(5)), Is.EqualTo(active));
        Assert.That(fixture.Log.SegmentCount, Is.EqualTo(2), "the five cleaned segments fit in one");
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(6));
        Assert.That(fixture.Log.LogStartOffset, Is.Zero);
        Assert.That(cleaner.FirstDirtyOffset(fixture.Log), Is.EqualTo(5));
        Assert.That(fixture.Append(Compacted.Batch(7_000, ("k4", "g"))).FirstOffset, Is.EqualTo(6));
    }

    [Test]
    public void AConsumerReadingFromTheBeginning_SeesIncreasingOffsetsWithGaps_AndCanFetchFromAnOffsetThatWasRemoved()
    {
        using var fixture = new LogFixture(Compacted.Config);
        for (int i = 0; i < 10; i++)
        {
            fixture.Append(Compacted.Batch(1_000 * (i + 1), ($"k{i % 3}", $"v{i}")));
        }

        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        cleaner.CleanFilthiestLog();

        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "6:k0=v6", "7:k1=v7", "8:k2=v8", "9:k0=v9" }));
        // Offset 3 is gone: a fetch there starts at the next record, as in Kafka.
        using LogReadResult read = fixture.Log.Read(3, 1 << 20, fixture.Log.HighWatermark, minOneBatch: true);
        Assert.That(Batches.Split(read.Records).First().BaseOffset, Is.EqualTo(6));
    }

    [Test]
    public void TheCleanedLog_SurvivesACleanRestartAndACrash()
    {
        using var fixture = new LogFixture(Compacted.Config);
        for (int i = 0; i < 8; i++)
        {
            fixture.Append(Compacted.Batch(1_000 * (i + 1), ($"k{i % 2}", $"v{i}")));
        }

        using (LogCleaner cleaner = Compacted.CleanerFor(fixture))
        {
            cleaner.CleanFilthiestLog();
        }

        List<string> cleaned = Compacted.Records(fixture);
        Assert.That(cleaned, Is.EqualTo(new[] { "5:k1=v5", "6:k0=v6", "7:k1=v7" }));

        fixture.Restart();
        Assert.That(Compacted.Records(fixture), Is.EqualTo(cleaned));
        fixture.Log.Flush();
        fixture.CrashAndReopen();
        Assert.That(Compacted.Records(fixture), Is.EqualTo(cleaned));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(8));
    }

    [Test]
    public void ASecondClean_DeduplicatesTheNewDirtyPartAgainstTheCleanedOne()
    {
        using var fixture = new LogFixture(Compacted.Config);
        fixture.Append(Compacted.Batch(1_000, ("a", "1")));
        fixture.Append(Compacted.Batch(2_000, ("b", "1")));
        fixture.Append(Compacted.Batch(3_000, ("c", "1")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        cleaner.CleanFilthiestLog();
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "0:a=1", "1:b=1", "2:c=1" }));

        fixture.Append(Compacted.Batch(4_000, ("a", "2")));
        fixture.Append(Compacted.Batch(5_000, ("d", "1")));
        CleanerStats? second = cleaner.CleanFilthiestLog();

        Assert.That(second!.FirstDirtyOffset, Is.EqualTo(2));
        Assert.That(second.EndOffset, Is.EqualTo(4));
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "1:b=1", "2:c=1", "3:a=2", "4:d=1" }));
        Assert.That(cleaner.CleanFilthiestLog(), Is.Null, "nothing dirty is left outside the active segment");
    }

    [Test]
    public void WhenTheOffsetMapFillsUp_TheCleanStopsThere_AndTheNextOneGoesOnFromInsideThatSegment()
    {
        using var fixture = new LogFixture(Compacted.Config);
        fixture.Append(Compacted.Batch(1_000, ("a", "1")));
        fixture.Append(Compacted.Batch(1_000, ("b", "1")));
        fixture.Append(Compacted.Batch(2_000, ("c", "1")));
        fixture.Append(Compacted.Batch(2_000, ("d", "1")));
        fixture.Append(Compacted.Batch(3_000, ("e", "1")));
        fixture.Append(Compacted.Batch(3_000, ("a", "2")));
        fixture.Append(Compacted.Batch(4_000, ("f", "1")));
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 2, 4, 6 }));
        // Four slots at a load factor of 0.9: room for three keys.
        using LogCleaner cleaner = Compacted.CleanerFor(fixture, new CleanerConfig { DedupeBufferSize = 4 * OffsetMap.BytesPerEntry });

        CleanerStats? first = cleaner.CleanFilthiestLog();

        Assert.That(first!.EndOffset, Is.EqualTo(3), "a, b and c fill the map; d waits");
        Assert.That(Compacted.Records(fixture), Has.Count.EqualTo(7));
        // Offset 3 is inside the cleaned segment 0: Kafka counts that segment as dirty too.
        LogToClean measured = new LogCleanerManager(fixture.FileSystem).Measure(fixture.Log, fixture.Time.NowMs);
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 4, 6 }));
        Assert.That(measured.FirstDirtyOffset, Is.EqualTo(3));
        Assert.That(measured.CleanableBytes, Is.EqualTo(fixture.Log.Segments[0].Size + fixture.Log.Segments[1].Size));
        Assert.That(measured.CleanBytes, Is.EqualTo(fixture.Log.Segments[0].Size));

        CleanerStats? second = cleaner.CleanFilthiestLog();

        Assert.That((second!.FirstDirtyOffset, second.EndOffset), Is.EqualTo((3L, 6L)));
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "1:b=1", "2:c=1", "3:d=1", "4:e=1", "5:a=2", "6:f=1" }));
    }

    [Test]
    public void ATombstone_IsKeptUntilDeleteRetentionMsAfterTheCleanThatFirstKeptIt()
    {
        using var fixture = new LogFixture(Compacted.Config with { DeleteRetentionMs = 60_000 });
        fixture.Append(Compacted.Batch(1_000, ("k1", "a")));
        fixture.Append(Compacted.Batch(2_000, ("k1", null)));
        fixture.Append(Compacted.Batch(3_000, ("k2", "x")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        long firstCleanMs = fixture.Time.NowMs;

        cleaner.CleanFilthiestLog();

        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "1:k1=null", "2:k2=x" }));
        RecordBatch tombstoneBatch = Batches.Split(fixture.ReadAll()).First();
        Assert.That(tombstoneBatch.HasDeleteHorizon, Is.True, "KIP-534: the batch carries its delete horizon");
        Assert.That(tombstoneBatch.BaseTimestamp, Is.EqualTo(firstCleanMs + 60_000));
        using (RecordBatchReader records = tombstoneBatch.OpenRecords(int.MaxValue))
        {
            foreach (Record record in records)
            {
                Assert.That(record.Timestamp, Is.EqualTo(2_000), "the record's own timestamp survives the horizon in the base timestamp");
            }
        }

        fixture.Time.AdvanceMs(59_999);
        fixture.Append(Compacted.Batch(4_000, ("k3", "y")));
        cleaner.CleanFilthiestLog();
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "1:k1=null", "2:k2=x", "3:k3=y" }));

        fixture.Time.AdvanceMs(1);
        fixture.Append(Compacted.Batch(5_000, ("k4", "z")));
        cleaner.CleanFilthiestLog();
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "2:k2=x", "3:k3=y", "4:k4=z" }));
    }

    [Test]
    public void Records_YoungerThanMinCompactionLagMs_WaitForTheirTurn()
    {
        using var fixture = new LogFixture(Compacted.Config with { MinCompactionLagMs = 10_000 });
        long now = fixture.Time.NowMs;
        fixture.Append(Compacted.Batch(now - 30_000, ("k", "a")));
        fixture.Append(Compacted.Batch(now - 20_000, ("k", "b")));
        fixture.Append(Compacted.Batch(now - 5_000, ("k", "c")));
        fixture.Append(Compacted.Batch(now, ("k", "d")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        CleanerStats? first = cleaner.CleanFilthiestLog();

        Assert.That(first!.EndOffset, Is.EqualTo(2), "the segment of k=c is younger than the lag");
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "1:k=b", "2:k=c", "3:k=d" }));

        fixture.Time.AdvanceMs(5_001);
        CleanerStats? second = cleaner.CleanFilthiestLog();
        Assert.That(second!.EndOffset, Is.EqualTo(3));
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "2:k=c", "3:k=d" }));
    }

    [Test]
    public void ALog_IsCleanedOnlyWhenItsDirtyRatioIsAboveMinCleanableDirtyRatio()
    {
        using var fixture = new LogFixture(Compacted.Config with { MinCleanableDirtyRatio = 0.5 });
        long timestamp = 1_000;
        foreach (string key in (string[])["a", "b", "c", "d"])
        {
            fixture.Append(Compacted.Batch(timestamp += 1_000, (key, "1")));
        }

        fixture.Append(Compacted.Batch(timestamp += 1_000, ("a", "2")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        Assert.That(cleaner.CleanFilthiestLog(), Is.Not.Null, "all dirty: ratio 1");

        // One dirty segment against four records' worth of clean bytes: a ratio of about 0.2.
        fixture.Append(Compacted.Batch(timestamp += 1_000, ("b", "2")));
        var manager = new LogCleanerManager(fixture.FileSystem);
        LogToClean measured = manager.Measure(fixture.Log, fixture.Time.NowMs);
        Assert.That(measured.CleanableRatio, Is.GreaterThan(0).And.LessThan(0.5));
        Assert.That(cleaner.CleanFilthiestLog(), Is.Null);

        fixture.Append(Compacted.Batch(timestamp += 1_000, ("c", "2")));
        fixture.Append(Compacted.Batch(timestamp += 1_000, ("d", "2")));
        fixture.Append(Compacted.Batch(timestamp += 1_000, ("e", "1")));
        Assert.That(cleaner.CleanFilthiestLog(), Is.Null, "four dirty segments against four records' worth of clean ones: exactly 0.5 is not above it");

        fixture.Append(Compacted.Batch(timestamp += 1_000, ("f", "1")));
        Assert.That(cleaner.CleanFilthiestLog(), Is.Not.Null);
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "4:a=2", "5:b=2", "6:c=2", "7:d=2", "8:e=1", "9:f=1" }));
    }

    [Test]
    public void MaxCompactionLagMs_ForcesACleanBelowTheDirtyRatio()
    {
        using var fixture = new LogFixture(Compacted.Config with { MinCleanableDirtyRatio = 0.99, MaxCompactionLagMs = 1_000 });
        long now = fixture.Time.NowMs;
        fixture.Append(Compacted.Batch(now - 10_000, ("a", "1"), ("b", "1"), ("c", "1"), ("d", "1")));
        fixture.Append(Compacted.Batch(now - 9_000, ("e", "1")));
        fixture.Append(Compacted.Batch(now - 500, ("a", "2")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        Assert.That(cleaner.CleanFilthiestLog()!.EndOffset, Is.EqualTo(5));

        fixture.Append(Compacted.Batch(now, ("f", "1")));
        Assert.That(cleaner.CleanFilthiestLog(), Is.Null, "below the ratio and younger than max.compaction.lag.ms");

        fixture.Time.AdvanceMs(501);
        Assert.That(cleaner.CleanFilthiestLog(), Is.Not.Null);
        Assert.That(Compacted.Records(fixture), Is.EqualTo(new[] { "1:b=1", "2:c=1", "3:d=1", "4:e=1", "5:a=2", "6:f=1" }));
    }

    [Test]
    public void ARewrittenBatch_KeepsItsOffsets_ProducerFields_Headers_AndCompressionCodec()
    {
        using var fixture = new LogFixture(Compacted.Config);
        using (var builder = new RecordBatchBuilder(CompressionType.Gzip) { ProducerId = 7, ProducerEpoch = 2, BaseSequence = 0 })
        {
            builder.Append(1_000, Key("k1"), Key("old"), new RecordHeader("h", Key("1")));
            builder.Append(1_001, Key("k2"), Key("two"), new RecordHeader("h", Key("2")));
            builder.Append(1_002, Key("k3"), Key("three"), new RecordHeader("h", Key("3")));
            fixture.Append(builder.ToArray(), leaderEpoch: 4);
        }

        fixture.Append(Compacted.Batch(3_000, ("k3", "new")));
        fixture.Append(Compacted.Batch(4_000, ("k9", "active")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        cleaner.CleanFilthiestLog();

        RecordBatch batch = Batches.Split(fixture.ReadAll()).First();
        Assert.That((batch.BaseOffset, batch.LastOffset), Is.EqualTo((0L, 2L)), "the last offset stays for the producer's sequence");
        Assert.That((batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence), Is.EqualTo((7L, (short)2, 0)));
        Assert.That(batch.PartitionLeaderEpoch, Is.EqualTo(4));
        Assert.That(batch.Compression, Is.EqualTo(CompressionType.Gzip));
        Assert.That(batch.RecordCount, Is.EqualTo(2));
        Assert.That(batch.HasDeleteHorizon, Is.False);
        using RecordBatchReader records = batch.OpenRecords(int.MaxValue);
        var seen = new List<string>();
        foreach (Record record in records)
        {
            string header = "";
            foreach (RecordHeader h in record.Headers)
            {
                header = $"{h.KeyString}={Encoding.UTF8.GetString(h.Value!.Value.Span)}";
            }

            seen.Add($"{record.Offset}:{Encoding.UTF8.GetString(record.KeySpan)}@{record.Timestamp} {header}");
        }

        Assert.That(seen, Is.EqualTo(new[] { "0:k1@1000 h=1", "1:k2@1001 h=2" }));
    }

    [Test]
    public void AnIdempotentProducersLastBatch_StaysAsAnEmptyBatch_WhenAllItsRecordsAreSuperseded()
    {
        using var fixture = new LogFixture(Compacted.Config);
        fixture.Append(IdempotentBatch(1_000, 0, "k", "a"));
        fixture.Append(IdempotentBatch(2_000, 1, "k", "b"));
        fixture.Append(Compacted.Batch(3_000, ("k", "c")));
        fixture.Append(Compacted.Batch(4_000, ("z", "active")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        cleaner.CleanFilthiestLog();

        List<RecordBatch> batches = Batches.Split(fixture.ReadAll());
        Assert.That(batches.Select(b => (b.BaseOffset, b.RecordCount, b.ProducerId, b.BaseSequence)), Is.EqualTo(new[]
        {
            (1L, 0, 5L, 1), (2L, 1, -1L, -1), (3L, 1, -1L, -1),
        }));
        Assert.That(batches[0].IsValidCrc(), Is.True);

        // After a crash the producer state comes back from the log, and the producer's next sequence follows on.
        fixture.Log.Flush();
        fixture.CrashAndReopen();
        LogAppendResult duplicate = fixture.Append(IdempotentBatch(5_000, 1, "k", "b"));
        Assert.That(duplicate.IsDuplicate, Is.True);
        Assert.That(fixture.Append(IdempotentBatch(5_000, 2, "k", "d")).Error, Is.EqualTo(KafkaCompat.Protocol.ErrorCode.None));
    }

    [Test]
    public void TheCleanerCheckpoint_IsKafkasFormat_AndIsReadBackByANewCleaner()
    {
        using var fixture = new LogFixture(Compacted.Config);
        fixture.Append(Compacted.Batch(1_000, ("a", "1")));
        fixture.Append(Compacted.Batch(2_000, ("a", "2")));
        fixture.Append(Compacted.Batch(3_000, ("a", "3")));
        using (LogCleaner cleaner = Compacted.CleanerFor(fixture))
        {
            cleaner.CleanFilthiestLog();
        }

        string path = Path.Combine(LogFixture.LogDir, "cleaner-offset-checkpoint");
        Assert.That(Encoding.UTF8.GetString(fixture.FileSystem.GetContent(path)), Is.EqualTo("0\n1\norders 0 2\n"));
        using LogCleaner restarted = Compacted.CleanerFor(fixture);
        Assert.That(restarted.FirstDirtyOffset(fixture.Log), Is.EqualTo(2));
        Assert.That(restarted.CleanFilthiestLog(), Is.Null, "nothing is dirty after the checkpoint");
    }

    [Test]
    public void ALogWithCleanupPolicyDelete_IsNeverCompacted()
    {
        using var fixture = new LogFixture(Compacted.Config with { CleanupPolicy = ["delete"] });
        fixture.Append(Compacted.Batch(1_000, ("a", "1")));
        fixture.Append(Compacted.Batch(2_000, ("a", "2")));
        fixture.Append(Compacted.Batch(3_000, ("a", "3")));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        Assert.That(cleaner.CleanFilthiestLog(), Is.Null);
        Assert.That(Compacted.Records(fixture), Has.Count.EqualTo(3));
    }

    [Test]
    public void OnACompactedTopic_TheActiveSegmentRollsAfterMaxCompactionLagMs_EvenBeforeSegmentMs()
    {
        using var fixture = new LogFixture(Compacted.Config with { SegmentMs = 3_600_000, MaxCompactionLagMs = 1_000 });
        fixture.Append(Compacted.Batch(10_000, ("a", "1")));
        fixture.Append(Compacted.Batch(10_500, ("a", "2")));
        Assert.That(fixture.Log.SegmentCount, Is.EqualTo(1));

        fixture.Append(Compacted.Batch(11_001, ("a", "3")));

        Assert.That(fixture.Log.SegmentCount, Is.EqualTo(2), "the cleaner never cleans the active segment, so it must not stay active longer than the lag");
    }

    [Test]
    public void ALogTheCleanerCannotRead_IsMarkedUncleanable_AndTheCleanerGoesOn()
    {
        using var fixture = new LogFixture(Compacted.Config);
        byte[] broken = Compacted.Batch(1_000, ("k", "a"));
        // A key length past the record's end, under a CRC that matches: only decoding the records finds it.
        broken[65] = 0x7E;
        RecordBatch.UpdateCrc(broken);
        fixture.Append(broken);
        fixture.Append(Compacted.Batch(2_000, ("k", "b")));
        fixture.Append(Compacted.Batch(3_000, ("k", "c")));
        List<string> before = Batches.Split(fixture.ReadAll()).Select(b => Convert.ToHexString(b.Span)).ToList();
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        var errors = new List<(TopicPartition, Exception)>();
        cleaner.Error += (topicPartition, e) => errors.Add((topicPartition, e));

        Assert.That(cleaner.CleanFilthiestLog(), Is.Null);
        Assert.That(cleaner.CleanFilthiestLog(), Is.Null, "an uncleanable log is not tried again");

        Assert.That(errors.Select(e => e.Item1), Is.EqualTo(new[] { fixture.TopicPartition }));
        Assert.That(cleaner.UncleanablePartitions, Is.EqualTo(new[] { fixture.TopicPartition }));
        Assert.That(Batches.Split(fixture.ReadAll()).Select(b => Convert.ToHexString(b.Span)), Is.EqualTo(before), "the log is as it was");
        Assert.That(fixture.FileSystem.ListFiles(fixture.Directory).Where(f => f.EndsWith(".cleaned")), Is.Empty);
    }

    private static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] IdempotentBatch(long timestamp, int sequence, string key, string value)
    {
        using var builder = new RecordBatchBuilder { ProducerId = 5, ProducerEpoch = 0, BaseSequence = sequence };
        builder.Append(timestamp, Key(key), Key(value));
        return builder.ToArray();
    }
}
