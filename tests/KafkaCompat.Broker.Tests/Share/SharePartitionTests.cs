using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>The share-partition state machine (KIP-932) on the hand-moved clock, fed log batches directly.</summary>
public sealed class SharePartitionTests
{
    private const int LockMs = 30_000;

    private static readonly ShareGroupSettings Defaults = new(LockMs, DeliveryCountLimit: 5, PartitionMaxRecordLocks: 2000, ShareAutoOffsetReset.Latest, ReadCommitted: false);

    private FakeTime _time = null!;
    private ReplicaHarness _replicas = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTime();
        _replicas = new ReplicaHarness(_time);
    }

    [TearDown]
    public void TearDown() => _replicas.Dispose();

    private SharePartition NewPartition(ShareGroupSettings? settings = null, long startOffset = 0)
    {
        var share = new SharePartition("g", Uuid.NewRandom(), _replicas.Partition(), settings ?? Defaults, _time);
        share.Initialize(0, startOffset, []);
        return share;
    }

    private static (long, long)[] Batch(long first, long last) => [(first, last)];

    private static AcknowledgementBatch Ack(long first, long last, AcknowledgeType type) => new(first, last, [(sbyte)type]);

    /// <summary>Acknowledges and completes the transition as one the share coordinator stored.</summary>
    private static ErrorCode AcknowledgeStored(SharePartition share, string memberId, params AcknowledgementBatch[] batches)
    {
        var (error, _, transition) = share.Acknowledge(memberId, batches);
        if (transition is not null)
        {
            share.Complete(transition, persisted: true);
        }
        return error;
    }

    [Test]
    public void ARecordIsAcquiredByOneMemberAtATime()
    {
        using var share = NewPartition();
        var first = share.Acquire("m1", Batch(0, 9), maxRecords: 100);
        var second = share.Acquire("m2", Batch(0, 9), maxRecords: 100);

        Assert.That(first, Is.EqualTo(new[] { new AcquiredRange(0, 9, 1) }));
        Assert.That(second, Is.Empty);
        Assert.That(share.StateOf(4), Is.EqualTo((RecordState.Acquired, (short)1, "m1")));
        Assert.That(share.EndOffset, Is.EqualTo(10));
    }

    [Test]
    public void AnExpiredLockMakesTheRecordsAvailableForTheirNextDelivery()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 2), 100);

        _time.Advance(TimeSpan.FromMilliseconds(LockMs - 1));
        Assert.That(share.StateOf(0).State, Is.EqualTo(RecordState.Acquired), "a millisecond before the lock's end");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(share.StateOf(0), Is.EqualTo((RecordState.Available, (short)1, (string?)null)));

        Assert.That(share.Acquire("m2", Batch(0, 2), 100), Is.EqualTo(new[] { new AcquiredRange(0, 2, 2) }));
    }

    [Test]
    public void TheLockTimerReleasesRecordsWithoutAnyCallAndReportsItForPersisting()
    {
        using var share = NewPartition();
        var expiries = 0;
        share.LocksExpired = _ => expiries++;
        share.Acquire("m1", Batch(0, 0), 100);
        _time.Advance(TimeSpan.FromMilliseconds(10_000));
        share.Acquire("m1", Batch(1, 1), 100);

        _time.Advance(TimeSpan.FromMilliseconds(LockMs - 10_000));
        Assert.That(expiries, Is.EqualTo(1), "the first lock's timer fired");
        _time.Advance(TimeSpan.FromMilliseconds(10_000));
        Assert.That(expiries, Is.EqualTo(2), "the timer was set again for the second lock");
        Assert.That(share.NextFetchOffset(), Is.EqualTo(0));
    }

    [Test]
    public void ARecordPastTheDeliveryCountLimitIsArchivedAndNeverDeliveredAgain()
    {
        using var share = NewPartition(Defaults with { DeliveryCountLimit = 2 });
        share.Acquire("m1", Batch(0, 1), 100);
        _time.Advance(TimeSpan.FromMilliseconds(LockMs));
        Assert.That(share.Acquire("m1", Batch(0, 1), 100), Is.EqualTo(new[] { new AcquiredRange(0, 1, 2) }));
        _time.Advance(TimeSpan.FromMilliseconds(LockMs));

        Assert.That(share.Acquire("m2", Batch(0, 1), 100), Is.Empty);
        Assert.That(share.StartOffset, Is.EqualTo(2), "the start offset moved past the archived records");
    }

    [Test]
    public void AReleasedRecordIsRedeliveredWithItsDeliveryCountUp()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 3), 100);

        Assert.That(AcknowledgeStored(share, "m1", Ack(1, 2, AcknowledgeType.Release)), Is.EqualTo(ErrorCode.None));

        Assert.That(share.NextFetchOffset(), Is.EqualTo(1));
        Assert.That(share.Acquire("m2", Batch(0, 3), 100), Is.EqualTo(new[] { new AcquiredRange(1, 2, 2) }));
    }

    [Test]
    public void ARejectedRecordIsArchivedAndNeverRedelivered()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 2), 100);

        AcknowledgeStored(share, "m1", Ack(1, 1, AcknowledgeType.Reject));
        _time.Advance(TimeSpan.FromMilliseconds(LockMs));

        Assert.That(share.StateOf(1).State, Is.EqualTo(RecordState.Archived));
        Assert.That(share.Acquire("m2", Batch(0, 2), 100), Is.EqualTo(new[] { new AcquiredRange(0, 0, 2), new AcquiredRange(2, 2, 2) }));
    }

    [Test]
    public void TheStartOffsetMovesOnlyPastFinishedRecordsAtTheFront()
    {
        using var share = NewPartition(startOffset: 100);
        share.Acquire("m1", Batch(100, 104), 100);

        AcknowledgeStored(share, "m1", Ack(101, 102, AcknowledgeType.Accept));
        Assert.That(share.StartOffset, Is.EqualTo(100), "offset 100 is still acquired");

        AcknowledgeStored(share, "m1", new AcknowledgementBatch(100, 100, [(sbyte)AcknowledgeType.Gap]));
        Assert.That(share.StartOffset, Is.EqualTo(103));
        Assert.That(share.EndOffset, Is.EqualTo(105));
    }

    [Test]
    public void NewRecordsAreAcquiredOnlyWhileFewerThanMaxRecordLocksAreInFlight()
    {
        using var share = NewPartition(Defaults with { PartitionMaxRecordLocks = 3 });
        (long, long)[] batches = [(0, 1), (2, 3), (4, 5)];

        // Whole batches: the second starts with two in flight, and carries the count past the limit.
        Assert.That(share.Acquire("m1", batches, 100), Is.EqualTo(new[] { new AcquiredRange(0, 3, 1) }));
        Assert.That(share.CanAcquire(), Is.False);
        Assert.That(share.Acquire("m2", batches, 100), Is.Empty);

        AcknowledgeStored(share, "m1", Ack(0, 3, AcknowledgeType.Accept));
        Assert.That(share.CanAcquire(), Is.True);
        Assert.That(share.Acquire("m2", batches, 100), Is.EqualTo(new[] { new AcquiredRange(4, 5, 1) }));
    }

    [Test]
    public void MaxRecordsStopsAtTheEndOfTheBatchThatReachesIt()
    {
        using var share = NewPartition();
        (long, long)[] batches = [(0, 4), (5, 9)];

        Assert.That(share.Acquire("m1", batches, maxRecords: 3), Is.EqualTo(new[] { new AcquiredRange(0, 4, 1) }));
        Assert.That(share.Acquire("m1", batches, maxRecords: 3), Is.EqualTo(new[] { new AcquiredRange(5, 9, 1) }));
    }

    [Test]
    public void AcquiredRangesEndAtTheFirstLogBatchBoundaryAtOrPastTheBatchSize()
    {
        using var share = NewPartition();
        (long, long)[] batches = [(0, 3), (4, 7), (8, 11), (12, 15), (16, 16)];

        // KIP-932's BatchSize: ranges of about that many, cut between log batches only (4 + 4 reaches 6, so 8 starts a range).
        Assert.That(share.Acquire("m1", batches, maxRecords: 100, batchSize: 6),
            Is.EqualTo(new[] { new AcquiredRange(0, 7, 1), new AcquiredRange(8, 15, 1), new AcquiredRange(16, 16, 1) }));
        Assert.That(share.Acknowledge("m1", [Ack(0, 7, AcknowledgeType.Accept), Ack(8, 15, AcknowledgeType.Accept)]).Error, Is.EqualTo(ErrorCode.None),
            "each range is acknowledged as one batch");
    }

    [Test]
    public void ALogBatchLargerThanTheBatchSizeStaysOneRange()
    {
        using var share = NewPartition();

        Assert.That(share.Acquire("m1", [(0, 9), (10, 11)], maxRecords: 100, batchSize: 3),
            Is.EqualTo(new[] { new AcquiredRange(0, 9, 1), new AcquiredRange(10, 11, 1) }));
    }

    [Test]
    public void AnAcceptThatMakesRoomUnderTheInFlightLimitWakesAWaitingFetch()
    {
        using var share = NewPartition(Defaults with { PartitionMaxRecordLocks = 4 });
        share.Acquire("m1", [(0, 3)], 100);
        var waiting = new CountingWatcher();
        share.Watch(waiting);
        Assert.That(share.CanAcquire(), Is.False, "another member's fetch waits for room");

        AcknowledgeStored(share, "m1", Ack(1, 1, AcknowledgeType.Accept));
        Assert.That(waiting.Count, Is.Zero, "an accept behind an acquired record frees no room");
        AcknowledgeStored(share, "m1", Ack(0, 0, AcknowledgeType.Accept));

        Assert.That(waiting.Count, Is.EqualTo(1), "the start offset moved past 0 and 1: the waiting fetch may acquire two new records");
        Assert.That(share.CanAcquire(), Is.True);
    }

    [Test]
    public void AcknowledgementsAreAllOrNoneAndOnlyByTheHolder()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 1), 100);
        share.Acquire("m2", Batch(2, 3), 100);

        var (error, _, _) = share.Acknowledge("m1", [Ack(0, 0, AcknowledgeType.Accept), Ack(2, 2, AcknowledgeType.Accept)]);

        Assert.That(error, Is.EqualTo(ErrorCode.InvalidRecordState));
        Assert.That(share.StateOf(0).State, Is.EqualTo(RecordState.Acquired), "the valid first batch was not applied either");
        Assert.That(share.Acknowledge("m1", [Ack(0, 5, AcknowledgeType.Accept)]).Error, Is.EqualTo(ErrorCode.InvalidRecordState), "beyond the end offset");
    }

    [Test]
    public void AMemberLeavingReleasesOnlyItsOwnRecords()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 1), 100);
        share.Acquire("m2", Batch(2, 3), 100);

        Assert.That(share.ReleaseAcquiredRecords("m1").Count, Is.EqualTo(2));

        Assert.That(share.StateOf(0).State, Is.EqualTo(RecordState.Available));
        Assert.That(share.StateOf(2).State, Is.EqualTo(RecordState.Acquired));
    }

    [Test]
    public void AnAcknowledgementTheShareCoordinatorDidNotStoreIsUndone()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 3), 100);
        var (_, _, accepted) = share.Acknowledge("m1", [Ack(0, 1, AcknowledgeType.Accept), Ack(2, 2, AcknowledgeType.Release)]);

        share.Complete(accepted!, persisted: false);

        Assert.That(share.StateOf(0), Is.EqualTo((RecordState.Acquired, (short)1, "m1")));
        Assert.That(share.StateOf(2), Is.EqualTo((RecordState.Acquired, (short)1, "m1")));
        Assert.That(share.StartOffset, Is.EqualTo(0));
        Assert.That(AcknowledgeStored(share, "m1", Ack(0, 3, AcknowledgeType.Accept)), Is.EqualTo(ErrorCode.None), "the member still holds them");
        Assert.That(share.StartOffset, Is.EqualTo(4));
    }

    [Test]
    public void UntilItIsStoredAnAcknowledgementNeitherMovesTheStartOffsetNorFreesARecord()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 2), 100);
        var (_, _, transition) = share.Acknowledge("m1", [Ack(0, 0, AcknowledgeType.Accept), Ack(1, 2, AcknowledgeType.Release)]);

        Assert.That(share.StartOffset, Is.EqualTo(0));
        Assert.That(share.NextFetchOffset(), Is.EqualTo(3));
        Assert.That(share.Acquire("m2", Batch(0, 2), 100), Is.Empty);

        share.Complete(transition!, persisted: true);

        Assert.That(share.StartOffset, Is.EqualTo(1));
        Assert.That(share.Acquire("m2", Batch(0, 2), 100), Is.EqualTo(new[] { new AcquiredRange(1, 2, 2) }));
    }

    [Test]
    public void AnUndoneAcknowledgementKeepsTheLockItHad()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 0), 100);
        _time.Advance(TimeSpan.FromMilliseconds(LockMs - 10));
        var (_, _, transition) = share.Acknowledge("m1", [Ack(0, 0, AcknowledgeType.Accept)]);
        _time.Advance(TimeSpan.FromMilliseconds(20));

        share.Complete(transition!, persisted: false);

        Assert.That(share.StateOf(0), Is.EqualTo((RecordState.Available, (short)1, (string?)null)), "the lock ran out while the write was under way");
    }

    [Test]
    public void AWriteCarriesItsOwnTransitionButNotAnotherOneNotYetStored()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 1), 100);
        var (_, _, first) = share.Acknowledge("m1", [Ack(0, 0, AcknowledgeType.Accept)]);
        var (_, _, second) = share.Acknowledge("m1", [Ack(1, 1, AcknowledgeType.Reject)]);

        var (_, startOffset, batches) = share.Snapshot(second);

        Assert.That(startOffset, Is.EqualTo(0), "offset 0's acceptance may yet be undone");
        Assert.That(batches, Is.EqualTo(new[]
        {
            new PersistedStateBatch(0, 0, RecordState.Available, 1),
            new PersistedStateBatch(1, 1, RecordState.Archived, 1),
        }));
        share.Complete(first!, persisted: true);
        Assert.That(share.Snapshot(second).StartOffset, Is.EqualTo(2));
    }

    [Test]
    public void PersistedStateComesBackWithAcquiredRecordsAvailableAndFinishedOnesKept()
    {
        using var share = NewPartition();
        share.Initialize(3, 10, [
            new PersistedStateBatch(10, 10, RecordState.Acquired, 2),
            new PersistedStateBatch(11, 11, RecordState.Acknowledged, 1),
            new PersistedStateBatch(13, 13, RecordState.Archived, 5),
        ]);

        Assert.That(share.StateEpoch, Is.EqualTo(3));
        Assert.That(share.StateOf(10), Is.EqualTo((RecordState.Available, (short)2, (string?)null)));
        Assert.That(share.StateOf(12), Is.EqualTo((RecordState.Available, (short)0, (string?)null)), "between persisted batches: never delivered");
        Assert.That(share.Acquire("m1", Batch(10, 15), 100), Is.EqualTo(new[] { new AcquiredRange(10, 10, 3), new AcquiredRange(12, 12, 1), new AcquiredRange(14, 15, 1) }));
    }

    [Test]
    public void TheSnapshotWritesAcquiredRecordsAsAvailableInRunsOfEqualState()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 3), 100);
        AcknowledgeStored(share, "m1", Ack(2, 3, AcknowledgeType.Accept));

        var (_, startOffset, batches) = share.Snapshot();

        Assert.That(startOffset, Is.EqualTo(0));
        Assert.That(batches, Is.EqualTo(new[]
        {
            new PersistedStateBatch(0, 1, RecordState.Available, 1),
            new PersistedStateBatch(2, 3, RecordState.Acknowledged, 1),
        }));
    }

    [Test]
    public void TheLogStartOffsetMovingPastTheStartOffsetDropsWhatWasBelowIt()
    {
        using var share = NewPartition();
        share.Acquire("m1", Batch(0, 4), 100);

        share.MaybeMoveStartOffset(3);

        Assert.That(share.StartOffset, Is.EqualTo(3));
        Assert.That(share.StateOf(3).State, Is.EqualTo(RecordState.Acquired));
    }

    private sealed class CountingWatcher : IPartitionWatcher
    {
        public int Count;

        public void OnPartitionChanged(Partition partition) => Count++;
    }
}
