namespace KafkaCompat.Raft.Tests;

/// <summary>The in-memory Raft log the tests and the simulation run on: epochs, truncation and crashes as Kafka's MockLog.</summary>
public class MemoryRaftLogTests
{
    [Test]
    public void ACrashLosesExactlyWhatWasNotFlushed()
    {
        var log = new MemoryRaftLog();
        log.AppendAsLeader(TestRecords.Batch(0, 1, "a", "b"), 1);
        log.Flush();
        log.AppendAsLeader(TestRecords.Batch(0, 1, "c"), 1);
        log.AppendAsLeader(TestRecords.Batch(0, 2, "d"), 2);

        log.Crash();

        Assert.That((log.EndOffset, log.LastFetchedEpoch), Is.EqualTo((2L, 1)));
    }

    [Test]
    public void EndOffsetForEpochIsWhereTheNextEpochStarts()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b"]), (3, ["c"]), (4, ["d", "e"]));

        Assert.That(log.EndOffsetForEpoch(1), Is.EqualTo(new OffsetAndEpoch(2, 1)));
        Assert.That(log.EndOffsetForEpoch(2), Is.EqualTo(new OffsetAndEpoch(2, 1)), "an epoch the log lacks ends where the next one starts, at the largest epoch below it");
        Assert.That(log.EndOffsetForEpoch(4), Is.EqualTo(new OffsetAndEpoch(5, 4)));
    }

    [Test]
    public void ACommittedReadStopsAtTheHighWatermark()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a"]), (1, ["b"]));
        log.UpdateHighWatermark(1);

        using var committed = log.Read(0, RaftIsolation.Committed, 1024);
        using var uncommitted = log.Read(0, RaftIsolation.Uncommitted, 1024);

        Assert.That(new Records.RecordBatchSet(committed.Records).EnsureValid(), Is.EqualTo(1));
        Assert.That(new Records.RecordBatchSet(uncommitted.Records).EnsureValid(), Is.EqualTo(2));
    }

    /// <summary>The simulation found a follower sent to a newer snapshot keeping an older one, so its log no longer started at its earliest snapshot (Kafka's log forgets them).</summary>
    [Test]
    public void TruncateToLatestSnapshotForgetsOlderSnapshots()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c"]));
        log.UpdateHighWatermark(3);
        TestRecords.AddSnapshot(log, new OffsetAndEpoch(2, 1), TestRecords.Snapshot(1, "a", "b"));
        TestRecords.AddSnapshot(log, new OffsetAndEpoch(10, 2), TestRecords.Snapshot(1, "x"));

        Assert.That(log.TruncateToLatestSnapshot(), Is.True);

        Assert.That((log.StartOffset, log.EarliestSnapshotId), Is.EqualTo((10L, (OffsetAndEpoch?)new OffsetAndEpoch(10, 2))));
        Assert.That(log.ReadSnapshot(new OffsetAndEpoch(2, 1)), Is.Null);
    }

    [Test]
    public void MaybeCleanStartsTheLogAtTheLatestCommittedSnapshot()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c", "d"]));
        log.UpdateHighWatermark(3);
        Assert.That(log.MaybeClean(), Is.False, "no snapshot");
        TestRecords.AddSnapshot(log, new OffsetAndEpoch(2, 1), TestRecords.Snapshot(1, "a", "b"));

        Assert.That(log.MaybeClean(), Is.True);
        Assert.That(log.StartOffset, Is.EqualTo(2));
        Assert.That(log.MaybeClean(), Is.False, "the log starts there already");
    }
}
