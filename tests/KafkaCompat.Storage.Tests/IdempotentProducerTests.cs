using KafkaCompat.Protocol;

namespace KafkaCompat.Storage.Tests;

public class IdempotentProducerTests
{
    private const long ProducerId = 1000;

    [Test]
    public void ARetriedBatch_GetsItsOriginalOffsets_AndIsNotWrittenAgain()
    {
        using var fixture = new LogFixture();
        fixture.Append(Batches.Make(records: 2));
        LogAppendResult original = fixture.Append(Idempotent(epoch: 0, sequence: 0, records: 3));
        fixture.Append(Idempotent(epoch: 0, sequence: 3, records: 1));

        LogAppendResult retry = fixture.Append(Idempotent(epoch: 0, sequence: 0, records: 3));

        Assert.That((original.FirstOffset, original.LastOffset), Is.EqualTo((2L, 4L)));
        Assert.That(retry.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(retry.IsDuplicate, Is.True);
        Assert.That((retry.FirstOffset, retry.LastOffset), Is.EqualTo((2L, 4L)));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(6));
    }

    [Test]
    public void OnlyTheLastFiveBatchesAreRetained()
    {
        using var fixture = new LogFixture();
        for (int sequence = 0; sequence < 7; sequence++)
        {
            fixture.Append(Idempotent(epoch: 0, sequence: sequence, records: 1));
        }

        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 2, records: 1)).IsDuplicate, Is.True);
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 1, records: 1)).Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
    }

    [Test]
    public void ASequenceGap_IsOutOfOrderSequenceNumber()
    {
        using var fixture = new LogFixture();
        fixture.Append(Idempotent(epoch: 0, sequence: 0, records: 2));

        LogAppendResult result = fixture.Append(Idempotent(epoch: 0, sequence: 3, records: 1));

        Assert.That(result.Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
        Assert.That(result.ErrorMessage, Does.Contain("sequence 3"));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(2));
    }

    [Test]
    public void AnOlderEpoch_IsInvalidProducerEpoch()
    {
        using var fixture = new LogFixture();
        fixture.Append(Idempotent(epoch: 5, sequence: 0, records: 1));

        Assert.That(fixture.Append(Idempotent(epoch: 4, sequence: 1, records: 1)).Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
    }

    [Test]
    public void ANewEpoch_MustStartAtSequenceZero()
    {
        using var fixture = new LogFixture();
        fixture.Append(Idempotent(epoch: 0, sequence: 0, records: 5));

        Assert.That(fixture.Append(Idempotent(epoch: 1, sequence: 5, records: 1)).Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
        Assert.That(fixture.Append(Idempotent(epoch: 1, sequence: 0, records: 1)).Error, Is.EqualTo(ErrorCode.None));
        // The old epoch's batches are gone with it.
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 0, records: 5)).Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
    }

    [Test]
    public void AnUnknownProducer_MayStartAtAnySequence()
    {
        using var fixture = new LogFixture();

        Assert.That(fixture.Append(Idempotent(epoch: 3, sequence: 42, records: 1)).Error, Is.EqualTo(ErrorCode.None));
        Assert.That(fixture.Append(Idempotent(epoch: 3, sequence: 43, records: 1)).Error, Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public void SequencesWrapAtInt32MaxValue()
    {
        using var fixture = new LogFixture();
        fixture.Append(Idempotent(epoch: 0, sequence: int.MaxValue - 1, records: 1));
        // This batch's sequences are MaxValue, 0, 1.
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: int.MaxValue, records: 3)).Error, Is.EqualTo(ErrorCode.None));

        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 2, records: 1)).Error, Is.EqualTo(ErrorCode.None));
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: int.MaxValue, records: 3)).IsDuplicate, Is.True);
        Assert.That(ProducerStateManager.IncrementSequence(int.MaxValue, 1), Is.Zero);
        Assert.That(ProducerStateManager.InSequence(int.MaxValue, 0), Is.True);
    }

    [Test]
    public void SeveralBatchesOfOneProducerInOneAppend_MustFollowEachOther()
    {
        using var fixture = new LogFixture();

        LogAppendResult ok = fixture.Append(Batches.Concat(Idempotent(0, 0, 2), Idempotent(0, 2, 2)));
        LogAppendResult gap = fixture.Append(Batches.Concat(Idempotent(0, 4, 2), Idempotent(0, 7, 2)));

        Assert.That((ok.Error, ok.FirstOffset, ok.LastOffset), Is.EqualTo((ErrorCode.None, 0L, 3L)));
        Assert.That(gap.Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(4));
    }

    [Test]
    public void Duplicates_AreDetectedAfterACleanRestart_FromTheSnapshot()
    {
        using var fixture = new LogFixture();
        fixture.Append(Idempotent(epoch: 0, sequence: 0, records: 2));
        fixture.Append(Idempotent(epoch: 0, sequence: 2, records: 2));

        PartitionLog log = fixture.Restart();

        Assert.That(log.LoadInfo.ProducerSnapshotOffset, Is.EqualTo(4));
        LogAppendResult retry = fixture.Append(Idempotent(epoch: 0, sequence: 0, records: 2));
        Assert.That((retry.IsDuplicate, retry.FirstOffset, retry.LastOffset), Is.EqualTo((true, 0L, 1L)));
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 5, records: 1)).Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
    }

    [Test]
    public void Duplicates_AreDetectedAfterACrash_ByRebuildingFromTheLog()
    {
        using var fixture = new LogFixture();
        fixture.Append(Idempotent(epoch: 2, sequence: 0, records: 2));
        fixture.Append(Idempotent(epoch: 2, sequence: 2, records: 2));
        fixture.Log.Flush();

        PartitionLog log = fixture.CrashAndReopen();

        Assert.That(log.LoadInfo.ProducerSnapshotOffset, Is.EqualTo(-1));
        Assert.That(fixture.Append(Idempotent(epoch: 2, sequence: 2, records: 2)).FirstOffset, Is.EqualTo(2));
        Assert.That(fixture.Append(Idempotent(epoch: 1, sequence: 4, records: 1)).Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(fixture.Append(Idempotent(epoch: 2, sequence: 4, records: 1)).FirstOffset, Is.EqualTo(4));
    }

    [Test]
    public void AfterASnapshot_OnlyLaterBatchesAreReplayed_AndACorruptSnapshotFallsBackToTheLog()
    {
        int size = Idempotent(0, 0, 1).Length;
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = size * 2 });
        for (int sequence = 0; sequence < 5; sequence++)
        {
            fixture.Append(Idempotent(epoch: 0, sequence: sequence, records: 1));
        }

        // Rolls at 2 and 4 took snapshots; the batch at offset 4 is after the newest one.
        fixture.Log.Flush();
        PartitionLog log = fixture.CrashAndReopen();
        Assert.That(log.LoadInfo.ProducerSnapshotOffset, Is.EqualTo(4));
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 4, records: 1)).IsDuplicate, Is.True);

        byte[] snapshot = fixture.FileSystem.GetContent(fixture.SegmentPath(4, ".snapshot"));
        snapshot[^1] ^= 1;
        fixture.FileSystem.SetContent(fixture.SegmentPath(4, ".snapshot"), snapshot);
        log = fixture.CrashAndReopen();

        Assert.That(log.LoadInfo.ProducerSnapshotOffset, Is.EqualTo(2));
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(4, ".snapshot")), Is.False);
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 3, records: 1)).IsDuplicate, Is.True);
        Assert.That(fixture.Append(Idempotent(epoch: 0, sequence: 5, records: 1)).FirstOffset, Is.EqualTo(5));
    }

    [Test]
    public void IdleProducersExpire()
    {
        using var fixture = new LogFixture();
        long now = fixture.Time.NowMs;
        fixture.Append(Batches.Make(records: 1, timestamp: now, producerId: 1, producerEpoch: 0, baseSequence: 0));
        fixture.Append(Batches.Make(records: 1, timestamp: now + 5_000, producerId: 2, producerEpoch: 0, baseSequence: 0));

        Assert.That(fixture.Log.RemoveExpiredProducers(now + 10_000, 10_000), Is.EqualTo(1));
        // Producer 1 is unknown now, so any sequence is accepted; producer 2 still has its state.
        Assert.That(fixture.Append(Batches.Make(records: 1, producerId: 1, producerEpoch: 0, baseSequence: 9)).Error, Is.EqualTo(ErrorCode.None));
        Assert.That(fixture.Append(Batches.Make(records: 1, producerId: 2, producerEpoch: 0, baseSequence: 9)).Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
    }

    private static byte[] Idempotent(short epoch, int sequence, int records) =>
        Batches.Make(records: records, producerId: ProducerId, producerEpoch: epoch, baseSequence: sequence);
}
