using static KafkaCompat.Raft.Tests.Log.RaftBatches;

namespace KafkaCompat.Raft.Tests.Log;

/// <summary>
/// What every <see cref="IRaftLog"/> does, as Kafka's ReplicatedLog defines it (KIP-595, KIP-630):
/// run by each implementation's fixture against a fresh, empty log. Expected offsets and epochs
/// follow from Kafka's rules for the histories each test writes, not from an implementation.
/// </summary>
public abstract class RaftLogContractTests
{
    private IRaftLog? _log;

    protected IRaftLog Log => _log ?? throw new InvalidOperationException("No log under test.");

    /// <summary>A new, empty log; the fixture disposes it.</summary>
    protected abstract IRaftLog CreateLog();

    [SetUp]
    public void CreateLogUnderTest() => _log = CreateLog();

    [TearDown]
    public void DisposeLogUnderTest() => _log?.Dispose();

    [Test]
    public void AnEmptyLogStartsAtZeroWithEpochZero()
    {
        Assert.That((Log.StartOffset, Log.EndOffset, Log.HighWatermark), Is.EqualTo((0L, 0L, 0L)));
        Assert.That(Log.LastFetchedEpoch, Is.Zero);
        Assert.That(Log.LatestSnapshotId, Is.Null);
        Assert.That(Log.EarliestSnapshotId, Is.Null);
    }

    [Test]
    public void AppendAsLeaderAssignsOffsetsFromTheLogEndAndItsEpochInPlace()
    {
        var records = Concat(Batch(3), Batch(2));

        var first = Log.AppendAsLeader(records, 3);
        var second = Log.AppendAsLeader(Batch(1), 3);

        Assert.That(first, Is.EqualTo(new RaftLogAppend(0, 4)));
        Assert.That(second, Is.EqualTo(new RaftLogAppend(5, 5)));
        // The caller's buffer itself now carries the offsets and epoch, and its CRCs still hold (neither field is covered).
        Assert.That(Describe(records), Is.EqualTo(new[] { (0L, 2L, 3), (3L, 4L, 3) }));
        Assert.That(Log.EndOffset, Is.EqualTo(6));
        Assert.That(Log.LastFetchedEpoch, Is.EqualTo(3));
    }

    [Test]
    public void AppendAsLeaderRefusesWhatIsNotWholeValidBatches()
    {
        var corrupt = Batch(2);
        corrupt[^1] ^= 0xFF;
        var partial = Batch(2)[..^5];

        Assert.That(() => Log.AppendAsLeader(corrupt, 1), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => Log.AppendAsLeader(partial, 1), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => Log.AppendAsLeader(Array.Empty<byte>(), 1), Throws.InstanceOf<ArgumentException>());
        Assert.That(Log.EndOffset, Is.Zero);
    }

    [Test]
    public void AppendAsFollowerKeepsTheLeadersOffsetsAndEpochsAndLearnsTheEpochs()
    {
        var records = Concat(Batch(3, epoch: 1, baseOffset: 0), Batch(2, epoch: 2, baseOffset: 3));

        var appended = Log.AppendAsFollower(records.ToArray(), 2);

        Assert.That(appended, Is.EqualTo(new RaftLogAppend(0, 4)));
        Assert.That(Log.EndOffset, Is.EqualTo(5));
        Assert.That(Log.LastFetchedEpoch, Is.EqualTo(2));
        Assert.That(Log.EndOffsetForEpoch(1), Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(Log.EndOffsetForEpoch(2), Is.EqualTo(new OffsetAndEpoch(5, 2)));
        using var read = Log.Read(0, RaftIsolation.Uncommitted, 1 << 20);
        Assert.That(read.Records.ToArray(), Is.EqualTo(records));
    }

    [Test]
    public void AppendAsFollowerRefusesBatchesThatDoNotFollowOnFromTheLogEnd()
    {
        Log.AppendAsFollower(Batch(3, epoch: 1, baseOffset: 0), 1);

        Assert.That(() => Log.AppendAsFollower(Batch(1, epoch: 1, baseOffset: 4), 1), Throws.InstanceOf<ArgumentException>(), "a gap");
        Assert.That(() => Log.AppendAsFollower(Batch(1, epoch: 1, baseOffset: 2), 1), Throws.InstanceOf<ArgumentException>(), "an overlap");
        Assert.That(() => Log.AppendAsFollower(Concat(Batch(1, epoch: 1, baseOffset: 3), Batch(1, epoch: 1, baseOffset: 5)), 1),
            Throws.InstanceOf<ArgumentException>(), "a gap between the fetched batches");
        Assert.That(Log.EndOffset, Is.EqualTo(3));
    }

    [Test]
    public void AppendAsFollowerRefusesEpochsGoingBackAndBadCrcs()
    {
        Log.AppendAsFollower(Batch(2, epoch: 2, baseOffset: 0), 2);
        var corrupt = Batch(1, epoch: 2, baseOffset: 2);
        corrupt[^1] ^= 0xFF;

        Assert.That(() => Log.AppendAsFollower(Batch(1, epoch: 1, baseOffset: 2), 2), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => Log.AppendAsFollower(corrupt, 2), Throws.InstanceOf<ArgumentException>());
        Assert.That(Log.EndOffset, Is.EqualTo(2));
    }

    [Test]
    public void AppendAsFollowerStopsBeforeABatchOfAnEpochNewerThanItsOwn()
    {
        var appended = Log.AppendAsFollower(Concat(Batch(3, epoch: 1, baseOffset: 0), Batch(2, epoch: 3, baseOffset: 3)), 2);

        Assert.That(appended, Is.EqualTo(new RaftLogAppend(0, 2)));
        Assert.That(Log.EndOffset, Is.EqualTo(3));
        Assert.That(Log.LastFetchedEpoch, Is.EqualTo(1));
    }

    [Test]
    public void ReadReturnsWholeBatchesUpToTheHighWatermarkWhenCommitted()
    {
        Log.AppendAsLeader(Concat(Batch(3), Batch(2), Batch(1)), 1);
        Log.UpdateHighWatermark(5);

        using var committed = Log.Read(0, RaftIsolation.Committed, 1 << 20);
        using var uncommitted = Log.Read(0, RaftIsolation.Uncommitted, 1 << 20);
        using var fromInside = Log.Read(4, RaftIsolation.Committed, 1 << 20);
        using var atHighWatermark = Log.Read(5, RaftIsolation.Committed, 1 << 20);

        Assert.That(Describe(committed.Records), Is.EqualTo(new[] { (0L, 2L, 1), (3L, 4L, 1) }));
        Assert.That(Describe(uncommitted.Records), Is.EqualTo(new[] { (0L, 2L, 1), (3L, 4L, 1), (5L, 5L, 1) }));
        Assert.That(Describe(fromInside.Records), Is.EqualTo(new[] { (3L, 4L, 1) }), "a read never splits the batch holding its offset");
        Assert.That(fromInside.StartOffset, Is.EqualTo(4));
        Assert.That(atHighWatermark.Records.IsEmpty, Is.True);
    }

    [Test]
    public void ReadReturnsAtLeastOneBatchWhateverItsSize()
    {
        Log.AppendAsLeader(Concat(Batch(3), Batch(2)), 1);

        using var read = Log.Read(0, RaftIsolation.Uncommitted, 1);

        Assert.That(Describe(read.Records), Is.EqualTo(new[] { (0L, 2L, 1) }));
    }

    [Test]
    public void ReadOutsideTheLogThrows()
    {
        Log.AppendAsLeader(Batch(2), 1);

        Assert.That(() => Log.Read(3, RaftIsolation.Uncommitted, 100), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void TheHighWatermarkMovesOnlyForwardAndNeverPastTheLogEnd()
    {
        Log.AppendAsLeader(Batch(6), 1);

        Log.UpdateHighWatermark(10);
        Log.UpdateHighWatermark(2);

        Assert.That(Log.HighWatermark, Is.EqualTo(6));
    }

    [Test]
    public void EndOffsetForEpochIsWhereTheLogMovedPastThatEpoch()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.AppendAsLeader(Batch(3), 3);

        Assert.That(Log.EndOffsetForEpoch(0), Is.EqualTo(new OffsetAndEpoch(0, 0)), "older than every epoch: where the first starts");
        Assert.That(Log.EndOffsetForEpoch(1), Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(Log.EndOffsetForEpoch(2), Is.EqualTo(new OffsetAndEpoch(3, 1)), "an epoch the log skipped: the largest epoch below it");
        Assert.That(Log.EndOffsetForEpoch(3), Is.EqualTo(new OffsetAndEpoch(6, 3)));
        Assert.That(Log.EndOffsetForEpoch(4), Is.EqualTo(new OffsetAndEpoch(6, 3)), "newer than every epoch: the log end and its last epoch");
    }

    [Test]
    public void AnInitializedLeaderEpochIsKnownBeforeItsFirstAppend()
    {
        Log.AppendAsLeader(Batch(3), 1);

        Log.InitializeLeaderEpoch(3);

        Assert.That(Log.LastFetchedEpoch, Is.EqualTo(3));
        Assert.That(Log.EndOffsetForEpoch(1), Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(Log.EndOffsetForEpoch(2), Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(Log.EndOffsetForEpoch(3), Is.EqualTo(new OffsetAndEpoch(3, 3)));

        Log.AppendAsLeader(Batch(2), 3);

        Assert.That(Log.EndOffsetForEpoch(1), Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(Log.EndOffsetForEpoch(3), Is.EqualTo(new OffsetAndEpoch(5, 3)));
    }

    [Test]
    public void AnEpochInitializedAtTheLogEndGivesWayToAnotherLeadersBatches()
    {
        // This replica began leading epoch 5 at offset 3 but appended nothing; the leader of epoch 6 has epoch 4 there.
        Log.AppendAsFollower(Batch(3, epoch: 1, baseOffset: 0), 1);
        Log.InitializeLeaderEpoch(5);

        Log.TruncateToEndOffset(new OffsetAndEpoch(3, 1));
        Log.AppendAsFollower(Batch(1, epoch: 4, baseOffset: 3), 6);

        Assert.That(Log.LastFetchedEpoch, Is.EqualTo(4));
        Assert.That(Log.EndOffsetForEpoch(4), Is.EqualTo(new OffsetAndEpoch(4, 4)));
        Assert.That(Log.EndOffsetForEpoch(5), Is.EqualTo(new OffsetAndEpoch(4, 4)));
    }

    [Test]
    public void TruncateToRemovesRecordsAndTheirEpochsButNeverBelowTheHighWatermark()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.AppendAsLeader(Batch(3), 2);
        Log.UpdateHighWatermark(2);

        Log.TruncateTo(3);

        Assert.That(Log.EndOffset, Is.EqualTo(3));
        Assert.That(Log.LastFetchedEpoch, Is.EqualTo(1));
        Assert.That(Log.EndOffsetForEpoch(2), Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(() => Log.TruncateTo(1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(Log.EndOffset, Is.EqualTo(3));
    }

    [Test]
    public void TruncateToEndOffsetCutsWhereTheLeadersHistoryOfTheEpochEnds()
    {
        // The follower has epoch 1 at 0-2 and epoch 2 at 3-5; the leader's epoch 1 ran to offset 4 (diverging answer (4, 1)).
        Log.AppendAsFollower(Concat(Batch(3, epoch: 1, baseOffset: 0), Batch(3, epoch: 2, baseOffset: 3)), 2);

        var truncatedTo = Log.TruncateToEndOffset(new OffsetAndEpoch(4, 1));

        Assert.That(truncatedTo, Is.EqualTo(3));
        Assert.That(Log.EndOffset, Is.EqualTo(3));
        Assert.That(Log.TruncateToEndOffset(new OffsetAndEpoch(10, 1)), Is.EqualTo(3), "the local history of the epoch is shorter");
    }

    [Test]
    public void ValidateOffsetAndEpochAnswersAFollowersFetchPosition()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.AppendAsLeader(Batch(3), 3);

        Assert.That(Log.ValidateOffsetAndEpoch(0, 0), Is.EqualTo(ValidOffsetAndEpoch.Valid(new OffsetAndEpoch(0, 0))));
        Assert.That(Log.ValidateOffsetAndEpoch(3, 1), Is.EqualTo(ValidOffsetAndEpoch.Valid(new OffsetAndEpoch(3, 1))));
        Assert.That(Log.ValidateOffsetAndEpoch(4, 1), Is.EqualTo(ValidOffsetAndEpoch.Diverging(new OffsetAndEpoch(3, 1))));
        Assert.That(Log.ValidateOffsetAndEpoch(5, 2), Is.EqualTo(ValidOffsetAndEpoch.Diverging(new OffsetAndEpoch(3, 1))));
        Assert.That(Log.ValidateOffsetAndEpoch(6, 3), Is.EqualTo(ValidOffsetAndEpoch.Valid(new OffsetAndEpoch(6, 3))));
        Assert.That(Log.ValidateOffsetAndEpoch(7, 3), Is.EqualTo(ValidOffsetAndEpoch.Diverging(new OffsetAndEpoch(6, 3))));
    }

    [Test]
    public void AFrozenSnapshotIsListedAndReadsBackAsWritten()
    {
        Log.AppendAsLeader(Concat(Batch(3), Batch(2)), 1);
        Log.UpdateHighWatermark(5);

        var bytes = WriteSnapshot(Log, new OffsetAndEpoch(5, 1), lastContainedLogTimestamp: 42);

        Assert.That(Log.LatestSnapshotId, Is.EqualTo(new OffsetAndEpoch(5, 1)));
        Assert.That(Log.EarliestSnapshotId, Is.EqualTo(new OffsetAndEpoch(5, 1)));
        using (var reader = Log.ReadSnapshot(new OffsetAndEpoch(5, 1)))
        {
            Assert.That(reader, Is.Not.Null);
            Assert.That(reader!.SizeInBytes, Is.EqualTo(bytes.Length));
            Assert.That(reader.Records().ToArray(), Is.EqualTo(bytes));
            Assert.That(reader.Slice(10, 7).ToArray(), Is.EqualTo(bytes[10..17]));
            var snapshot = RecordsSnapshotReader.TryRead(reader, 1 << 20, out var problem);
            Assert.That(problem, Is.Null);
            Assert.That(snapshot!.LastContainedLogTimestamp, Is.EqualTo(42));
        }
        Assert.That(Log.CreateNewSnapshot(new OffsetAndEpoch(5, 1)), Is.Null, "it exists already");
        Assert.That(Log.ReadSnapshot(new OffsetAndEpoch(4, 1)), Is.Null);
    }

    [Test]
    public void CreateNewSnapshotRefusesIdsTheCommittedLogDoesNotHold()
    {
        Log.AppendAsLeader(Concat(Batch(3), Batch(2)), 1);
        Log.AppendAsLeader(Batch(2), 2);
        Log.UpdateHighWatermark(5);

        Assert.That(() => Log.CreateNewSnapshot(new OffsetAndEpoch(7, 2)), Throws.InstanceOf<ArgumentException>(), "past the high watermark");
        Assert.That(() => Log.CreateNewSnapshot(new OffsetAndEpoch(3, 3)), Throws.InstanceOf<ArgumentException>(), "the log has no epoch 3");
        Assert.That(() => Log.CreateNewSnapshot(new OffsetAndEpoch(2, 1)), Throws.InstanceOf<ArgumentException>(), "inside the batch 0-2");
        Assert.That(Log.LatestSnapshotId, Is.Null);
    }

    [Test]
    public void AWriterDisposedBeforeFreezingLeavesNoSnapshot()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.UpdateHighWatermark(3);

        using (var writer = Log.CreateNewSnapshot(new OffsetAndEpoch(3, 1)))
        {
            RecordsSnapshotWriter.Write(writer!, 1, 1, [new byte[] { 1 }]);
        }

        Assert.That(Log.LatestSnapshotId, Is.Null);
        Assert.That(Log.ReadSnapshot(new OffsetAndEpoch(3, 1)), Is.Null);
    }

    [Test]
    public void DeleteBeforeSnapshotStartsTheLogAtThatSnapshot()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.AppendAsLeader(Batch(3), 2);
        Log.UpdateHighWatermark(6);
        WriteSnapshot(Log, new OffsetAndEpoch(3, 1));
        WriteSnapshot(Log, new OffsetAndEpoch(6, 2));

        Assert.That(Log.DeleteBeforeSnapshot(new OffsetAndEpoch(4, 2)), Is.False, "no such snapshot");
        Assert.That(Log.DeleteBeforeSnapshot(new OffsetAndEpoch(3, 1)), Is.True);

        Assert.That(Log.StartOffset, Is.EqualTo(3));
        Assert.That(Log.EarliestSnapshotId, Is.EqualTo(new OffsetAndEpoch(3, 1)));
        Assert.That(Log.EndOffsetForEpoch(1), Is.EqualTo(new OffsetAndEpoch(3, 1)), "epoch 1 ends at the snapshot the log starts with");
        Assert.That(Log.ValidateOffsetAndEpoch(2, 1), Is.EqualTo(ValidOffsetAndEpoch.Snapshot(new OffsetAndEpoch(6, 2))), "before the log start: fetch the latest snapshot");
        Assert.That(Log.ValidateOffsetAndEpoch(3, 1), Is.EqualTo(ValidOffsetAndEpoch.Valid(new OffsetAndEpoch(3, 1))));
        Assert.That(Log.CreateNewSnapshot(new OffsetAndEpoch(2, 1)), Is.Null, "before the log start");
        Assert.That(Log.DeleteBeforeSnapshot(new OffsetAndEpoch(3, 1)), Is.False, "the log starts there already");
    }

    [Test]
    public void DeleteBeforeSnapshotNeverPassesTheHighWatermark()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.AppendAsLeader(Batch(3), 2);
        Log.UpdateHighWatermark(3);
        WriteSnapshot(Log, new OffsetAndEpoch(3, 1));
        using (var writer = Log.CreateNewSnapshotUnchecked(new OffsetAndEpoch(6, 2))!)
        {
            RecordsSnapshotWriter.Write(writer, 1, 1, []);
            writer.Freeze();
        }

        Assert.That(Log.DeleteBeforeSnapshot(new OffsetAndEpoch(6, 2)), Is.False);
        Assert.That(Log.StartOffset, Is.Zero);
    }

    [Test]
    public void TruncateToLatestSnapshotRestartsTheLogAtASnapshotPastItsEnd()
    {
        Log.AppendAsFollower(Batch(3, epoch: 1, baseOffset: 0), 1);
        Assert.That(Log.TruncateToLatestSnapshot(), Is.False, "no snapshot");
        using (var writer = Log.CreateNewSnapshotUnchecked(new OffsetAndEpoch(10, 4))!)
        {
            RecordsSnapshotWriter.Write(writer, 1, 1, [new byte[] { 7 }]);
            writer.Freeze();
        }

        Assert.That(Log.TruncateToLatestSnapshot(), Is.True);

        Assert.That((Log.StartOffset, Log.EndOffset, Log.HighWatermark), Is.EqualTo((10L, 10L, 10L)));
        Assert.That(Log.LastFetchedEpoch, Is.EqualTo(4), "an empty log after a snapshot has the snapshot's epoch");
        Assert.That(Log.EndOffsetForEpoch(4), Is.EqualTo(new OffsetAndEpoch(10, 4)));
        Assert.That(Log.AppendAsFollower(Batch(2, epoch: 5, baseOffset: 10), 5), Is.EqualTo(new RaftLogAppend(10, 11)));
        Assert.That(Log.TruncateToLatestSnapshot(), Is.False, "the log holds a newer epoch than the snapshot now");
        Assert.That(Log.EndOffset, Is.EqualTo(12));
    }

    [Test]
    public void TruncateToLatestSnapshotForgetsTheSnapshotsBeforeIt()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.UpdateHighWatermark(3);
        WriteSnapshot(Log, new OffsetAndEpoch(3, 1));
        using (var writer = Log.CreateNewSnapshotUnchecked(new OffsetAndEpoch(10, 4))!)
        {
            RecordsSnapshotWriter.Write(writer, 1, 1, [new byte[] { 7 }]);
            writer.Freeze();
        }

        Assert.That(Log.TruncateToLatestSnapshot(), Is.True);

        // The log starts at the latest snapshot now, so that is also the earliest one a fetch position is judged by.
        Assert.That(Log.EarliestSnapshotId, Is.EqualTo(new OffsetAndEpoch(10, 4)));
        Assert.That(Log.ReadSnapshot(new OffsetAndEpoch(3, 1)), Is.Null);
        Assert.That(Log.ValidateOffsetAndEpoch(10, 1), Is.EqualTo(ValidOffsetAndEpoch.Snapshot(new OffsetAndEpoch(10, 4))));
    }

    [Test]
    public void TruncateToLatestSnapshotLeavesALogThatReachesTheSnapshot()
    {
        Log.AppendAsLeader(Batch(3), 1);
        Log.AppendAsLeader(Batch(3), 2);
        Log.UpdateHighWatermark(6);
        WriteSnapshot(Log, new OffsetAndEpoch(3, 1));

        Assert.That(Log.TruncateToLatestSnapshot(), Is.False);
        Assert.That(Log.EndOffset, Is.EqualTo(6));
    }

    /// <summary>Writes and freezes a snapshot of the committed log through <see cref="IRaftLog.CreateNewSnapshot"/>; returns its bytes.</summary>
    protected static byte[] WriteSnapshot(IRaftLog log, OffsetAndEpoch snapshotId, long lastContainedLogTimestamp = 1)
    {
        using var writer = log.CreateNewSnapshot(snapshotId) ?? throw new InvalidOperationException($"Snapshot {snapshotId} exists.");
        RecordsSnapshotWriter.Write(writer, lastContainedLogTimestamp, 1, [new byte[] { 1, 2, 3 }, new byte[] { 4 }]);
        writer.Freeze();
        using var reader = log.ReadSnapshot(snapshotId)!;
        return reader.Records().ToArray();
    }
}
