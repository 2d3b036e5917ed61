using KafkaCompat.Protocol;

namespace KafkaCompat.Storage.Tests;

/// <summary>
/// <see cref="PartitionLog.TruncateTo"/>: what a follower does when its log diverged from the
/// leader's. Each test checks the consequences beyond the segment files: indexes, offsets, the
/// producer state and its snapshots, the latest leader epoch, and what survives a restart.
/// </summary>
public class TruncationTests
{
    private const long ProducerId = 7;

    [Test]
    public void TruncatingInTheActiveSegment_RemovesTheBatchesFromTheOffset_AndTheNextAppendTakesIt()
    {
        using var fixture = new LogFixture();
        for (int i = 0; i < 5; i++)
        {
            fixture.Append(Batches.Make(records: 2, timestamp: 1_000 + (i * 100)));
        }

        long end = fixture.Log.TruncateTo(6);

        Assert.That(end, Is.EqualTo(6));
        Assert.That((fixture.Log.LogEndOffset, fixture.Log.HighWatermark), Is.EqualTo((6L, 6L)));
        Assert.That(Batches.Split(fixture.ReadAll()).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 2, 4 }));
        Assert.That(fixture.Append(Batches.Make(records: 1)).FirstOffset, Is.EqualTo(6));
        Assert.That(fixture.Log.Segments[0].Size, Is.EqualTo(Batches.Make(records: 2).Length * 3 + Batches.Make(records: 1).Length));
    }

    [Test]
    public void TruncatingNothing_AtOrPastTheLogEnd_ChangesNothing()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 3));

        Assert.That(fixture.Log.TruncateTo(3), Is.EqualTo(3));
        Assert.That(fixture.Log.TruncateTo(10), Is.EqualTo(3));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(3));
        Assert.That(Batches.Split(fixture.ReadAll()), Has.Count.EqualTo(1));
    }

    [Test]
    public void ABatchStraddlingTheOffset_GoesWhole()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 3));
        fixture.Append(Batches.Make(records: 3));

        long end = fixture.Log.TruncateTo(4);

        Assert.That(end, Is.EqualTo(3));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(3));
        Assert.That(fixture.Append(Batches.Make(records: 1)).FirstOffset, Is.EqualTo(3));
    }

    [Test]
    public void TruncatingIntoAnOlderSegment_DeletesTheLaterSegments_AndTheCutOneBecomesActive()
    {
        int size = Batches.Make(records: 1).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = (size * 3) + 5 });
        for (int i = 0; i < 8; i++)
        {
            fixture.Append(Batches.Make(records: 1, timestamp: 1_000 + i));
        }

        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 3, 6 }));

        fixture.Log.TruncateTo(4);

        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 3 }));
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(6)), Is.False);
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(6, ".index")), Is.False);
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(6, ".timeindex")), Is.False);
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(4));
        // The cut segment takes the next appends (it is not full: one batch of three is left).
        fixture.Append(Batches.Make(records: 1));
        fixture.Append(Batches.Make(records: 1));
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 3 }));
        Assert.That(Batches.Split(fixture.ReadAll()).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void TheIndexesAreCutToo_SoLookupsNeverPointPastTheEnd_AndARestartTrustsThem()
    {
        // An index entry after every batch, so entries exist beyond the truncation point.
        using var fixture = new LogFixture(LogConfig.Default with { IndexIntervalBytes = 1 });
        for (int i = 0; i < 6; i++)
        {
            fixture.Append(Batches.Make(records: 1, timestamp: 1_000 + (i * 10)));
        }

        fixture.Log.TruncateTo(3);

        // The removed records' timestamps are no longer found; the max timestamp is the kept one's.
        Assert.That(fixture.Log.OffsetForTimestamp(1_030), Is.Null);
        Assert.That(fixture.Log.MaxTimestampOffset(), Is.EqualTo(new TimestampAndOffset(1_020, 2, 0)));
        Assert.That(fixture.Log.FetchOffsetByTimestamp(1_010, 3)!.Value.Offset, Is.EqualTo(1));

        fixture.Append(Batches.Make(records: 1, timestamp: 1_005));
        PartitionLog reopened = fixture.Restart();

        Assert.That(reopened.LoadInfo.RecoveredSegments, Is.EqualTo(0), "the cut indexes pass the sanity checks after a clean restart");
        Assert.That(reopened.LogEndOffset, Is.EqualTo(4));
        Assert.That(reopened.MaxTimestampOffset(), Is.EqualTo(new TimestampAndOffset(1_020, 2, 0)));
        Assert.That(reopened.OffsetForTimestamp(1_003), Is.EqualTo(new TimestampAndOffset(1_010, 1, 0)));
    }

    [Test]
    public void TheProducerState_ForgetsTheTruncatedBatches()
    {
        using var fixture = new LogFixture();
        fixture.Append(Idempotent(sequence: 0, records: 2));
        fixture.Append(Idempotent(sequence: 2, records: 2));

        fixture.Log.TruncateTo(2);

        // Sequence 2 was cut: sending it again is a new batch at the new end, not a duplicate of offsets that are gone.
        LogAppendResult again = fixture.Append(Idempotent(sequence: 2, records: 2));
        Assert.That(again.IsDuplicate, Is.False);
        Assert.That((again.FirstOffset, again.LastOffset), Is.EqualTo((2L, 3L)));
        Assert.That(fixture.Append(Idempotent(sequence: 0, records: 2)).IsDuplicate, Is.True);
    }

    [Test]
    public void ProducerSnapshotsBeyondTheNewEnd_AreDeleted_AndTheStateComesFromAnEarlierOne()
    {
        int size = Idempotent(sequence: 0, records: 1).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = (size * 2) + 5 });
        for (int sequence = 0; sequence < 5; sequence++)
        {
            fixture.Append(Idempotent(sequence: sequence, records: 1));
        }

        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(4, ".snapshot")), Is.True);

        fixture.Log.TruncateTo(3);

        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(4, ".snapshot")), Is.False);
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(2, ".snapshot")), Is.True);
        Assert.That(fixture.Append(Idempotent(sequence: 3, records: 1)).FirstOffset, Is.EqualTo(3));
        Assert.That(fixture.Append(Idempotent(sequence: 2, records: 1)).IsDuplicate, Is.True);
        Assert.That(fixture.Restart().LogEndOffset, Is.EqualTo(4));
        Assert.That(fixture.Append(Idempotent(sequence: 3, records: 1)).IsDuplicate, Is.True);
    }

    [Test]
    public void TheLeaderEpochCache_ForgetsTheEpochsThatStartedAtOrAfterTheNewEnd()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 2), leaderEpoch: 3);
        fixture.Append(Batches.Make(records: 2), leaderEpoch: 5);
        Assert.That(fixture.Log.LatestLeaderEpoch, Is.EqualTo(5));

        fixture.Log.TruncateTo(2);

        Assert.That(fixture.Log.LatestLeaderEpoch, Is.EqualTo(3));
        Assert.That(fixture.Log.LeaderEpochEntries, Is.EqualTo(new[] { new EpochEntry(3, 0) }));
        Assert.That(fixture.Log.FetchOffsetByTimestamp(ListOffsetsTimestamp.Latest, fixture.Log.HighWatermark)!.Value.LeaderEpoch, Is.EqualTo(3));
        Assert.That(fixture.Restart().LatestLeaderEpoch, Is.EqualTo(3), "the checkpoint was rewritten");
        fixture.Log.TruncateTo(0);
        Assert.That(fixture.Log.LatestLeaderEpoch, Is.EqualTo(-1));
    }

    [Test]
    public void AFollowerTruncatesWhereTheLeaderSaysItsLastEpochEnded_AndThenMatchesTheLeader()
    {
        // Both wrote offsets 0-3 in epoch 1; the follower then wrote 4-6 in epoch 1 that the leader
        // never had, while the leader (re-elected in epoch 2) wrote 4-5 in epoch 2 (KIP-101's case).
        using var leader = new LogFixture();
        using var follower = new LogFixture();
        foreach (LogFixture log in (LogFixture[])[leader, follower])
        {
            log.Append(Batches.Make(records: 2), leaderEpoch: 1);
            log.Append(Batches.Make(records: 2), leaderEpoch: 1);
        }

        follower.Append(Batches.Make(records: 3, valueSize: 99), leaderEpoch: 1);
        leader.Append(Batches.Make(records: 2), leaderEpoch: 2);

        (int epoch, long endOffset) = leader.Log.EndOffsetForEpoch(follower.Log.LatestLeaderEpoch);
        follower.Log.TruncateTo(endOffset);

        Assert.That((epoch, endOffset), Is.EqualTo((1, 4L)));
        Assert.That(follower.Log.LogEndOffset, Is.EqualTo(4));
        Assert.That(follower.ReadAll(), Is.EqualTo(leader.ReadAll().AsSpan(0, follower.ReadAll().Length).ToArray()));
        Assert.That(follower.Log.EndOffsetForEpoch(1), Is.EqualTo((1, 4L)));
    }

    [Test]
    public void TheHighWatermarkAndRecoveryPoint_NeverStayBeyondTheNewEnd()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 4));
        fixture.Log.Flush();
        Assert.That(fixture.Log.RecoveryPoint, Is.EqualTo(4));

        fixture.Log.TruncateTo(0);

        Assert.That((fixture.Log.HighWatermark, fixture.Log.RecoveryPoint, fixture.Log.LogEndOffset), Is.EqualTo((0L, 0L, 0L)));
        fixture.Append(Batches.Make(records: 1));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(1));
    }

    [Test]
    public void TruncatingBelowTheLogStart_StartsTheLogAgainThere()
    {
        int size = Batches.Make(records: 1).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = (size * 2) + 5 });
        for (int i = 0; i < 5; i++)
        {
            fixture.Append(Batches.Make(records: 1));
        }

        fixture.Log.DeleteRecordsBefore(4);
        Assert.That(fixture.Log.LogStartOffset, Is.EqualTo(4));

        fixture.Log.TruncateTo(3);

        Assert.That((fixture.Log.LogStartOffset, fixture.Log.LogEndOffset), Is.EqualTo((3L, 3L)));
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 3 }));
        Assert.That(fixture.Append(Batches.Make(records: 1)).FirstOffset, Is.EqualTo(3));
        Assert.That(fixture.Restart().LogStartOffset, Is.EqualTo(3));
    }

    [Test]
    public void AfterACrash_TheTruncatedLogRecoversToItsNewEnd()
    {
        using var fixture = new LogFixture(LogConfig.Default with { IndexIntervalBytes = 1 });
        for (int i = 0; i < 4; i++)
        {
            fixture.Append(Batches.Make(records: 1));
        }

        fixture.Log.Flush();
        fixture.Log.TruncateTo(2);
        fixture.Append(Batches.Make(records: 1, valueSize: 50));
        fixture.Log.Flush();

        PartitionLog reopened = fixture.CrashAndReopen();

        Assert.That(reopened.LogEndOffset, Is.EqualTo(3));
        Assert.That(Batches.Split(fixture.ReadAll()).Select(b => b.SizeInBytes).Last(), Is.EqualTo(Batches.Make(records: 1, valueSize: 50).Length));
    }

    [Test]
    public void ACrashAtAnyStepOfATruncation_LeavesAPrefixOfTheLogWithEveryKeptRecord_AndTruncatingAgainFinishesIt()
    {
        // A run without failure counts the writes a truncation makes into three segments.
        var reference = new FaultyFileSystem(new MemoryFileSystem());
        (PartitionLog referenceLog, byte[] original) = BuildForCrash(reference);
        reference.FailAfter(int.MaxValue - 1);
        referenceLog.TruncateTo(4);
        int writes = reference.Operations;
        Assert.That(writes, Is.GreaterThan(3), "the truncation has several steps to interrupt");

        for (int failAfter = 0; failAfter <= writes; failAfter++)
        {
            var memory = new MemoryFileSystem();
            var faulty = new FaultyFileSystem(memory);
            (PartitionLog log, _) = BuildForCrash(faulty);
            faulty.FailAfter(failAfter);
            try
            {
                log.TruncateTo(4);
            }
            catch (IOException)
            {
                Assert.That(log.Append(Batches.Make(records: 1), 0).Error, Is.EqualTo(ErrorCode.KafkaStorageError), "a failed truncation takes the log offline");
            }

            bool completed = !faulty.Failed;
            memory.Crash();
            using PartitionLog reopened = PartitionLog.Open(memory, LogFixture.LogDir, new TopicPartition("orders", 0), CrashConfig, new FakeTimeProvider());
            byte[] recovered = ReadAll(reopened);

            Assert.That(reopened.LogEndOffset, Is.GreaterThanOrEqualTo(4), $"crash after {failAfter} writes");
            Assert.That(recovered, Is.EqualTo(original.AsSpan(0, recovered.Length).ToArray()), $"a prefix of the old log after {failAfter} writes");
            if (completed)
            {
                Assert.That(reopened.LogEndOffset, Is.EqualTo(4), $"a truncation that returned is durable ({failAfter} writes allowed)");
            }

            reopened.TruncateTo(4);
            Assert.That(Batches.Split(ReadAll(reopened)).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
        }
    }

    private static readonly LogConfig CrashConfig = LogConfig.Default with { SegmentBytes = (Batches.Make(records: 1).Length * 3) + 5, IndexIntervalBytes = 1 };

    /// <summary>Eight one-record batches in segments 0, 3 and 6, all fsynced; and their bytes.</summary>
    private static (PartitionLog Log, byte[] Bytes) BuildForCrash(IFileSystem fileSystem)
    {
        PartitionLog log = PartitionLog.Open(fileSystem, LogFixture.LogDir, new TopicPartition("orders", 0), CrashConfig, new FakeTimeProvider());
        for (int i = 0; i < 8; i++)
        {
            log.Append(Batches.Make(records: 1, timestamp: 1_000 + i), leaderEpoch: i < 5 ? 1 : 2);
        }

        log.Flush();
        log.UpdateHighWatermark(log.LogEndOffset);
        return (log, ReadAll(log));
    }

    private static byte[] ReadAll(PartitionLog log)
    {
        using LogReadResult read = log.Read(log.LogStartOffset, int.MaxValue / 2, log.LogEndOffset, minOneBatch: true);
        return read.Records.ToArray();
    }

    private static byte[] Idempotent(int sequence, int records) =>
        Batches.Make(records: records, producerId: ProducerId, producerEpoch: 0, baseSequence: sequence);
}
