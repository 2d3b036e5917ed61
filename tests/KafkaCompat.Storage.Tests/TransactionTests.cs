using KafkaCompat.Protocol;

namespace KafkaCompat.Storage.Tests;

/// <summary>
/// Transactions in the partition log (KIP-98): ongoing transactions per producer, the last stable
/// offset they hold back, COMMIT/ABORT markers with Kafka's epoch checks, and the aborted
/// transactions a read_committed read gets.
/// </summary>
public class TransactionTests
{
    private const long P1 = 1000;
    private const long P2 = 2000;
    private const long P3 = 3000;

    [Test]
    public void InterleavedProducers_HoldTheLastStableOffset_AtTheEarliestOpenTransaction()
    {
        using var fixture = new LogFixture();
        var sequences = new Dictionary<long, int>();

        Append(fixture, Plain(fixture, records: 2));                                 // 0-1 plain
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(2));

        AppendTxn(fixture, sequences, P1, records: 2);                            // 2-3 P1 begins
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(2));

        AppendTxn(fixture, sequences, P2, records: 1);                            // 4 P2 begins
        AppendTxn(fixture, sequences, P1, records: 1);                            // 5 P1 continues
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(2));
        Assert.That(fixture.Log.FirstUnstableOffset, Is.EqualTo(2));

        Marker(fixture, P1, commit: true);                                        // 6 P1 commits
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(4), "P2's transaction starting at 4 is now the earliest open one");

        AppendTxn(fixture, sequences, P3, records: 2);                            // 7-8 P3 begins
        Marker(fixture, P2, commit: false);                                       // 9 P2 aborts
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(7));

        Marker(fixture, P3, commit: true);                                        // 10 P3 commits
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(11));
        Assert.That(fixture.Log.FirstUnstableOffset, Is.EqualTo(-1));
        Assert.That(fixture.Log.HighWatermark, Is.EqualTo(11));
    }

    [Test]
    public void ACompletedTransaction_StaysUnstable_UntilTheHighWatermarkPassesItsMarker()
    {
        using var fixture = new LogFixture();
        fixture.Log.Append(Batches.Make(records: 2, timestamp: fixture.Time.NowMs, producerId: P1, producerEpoch: 0, baseSequence: 0, transactional: true), 0);
        fixture.Log.UpdateHighWatermark(2);
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(0));

        LogAppendResult marker = fixture.Log.AppendEndTxnMarker(P1, 0, coordinatorEpoch: 0, commit: true, leaderEpoch: 0);

        // The marker (offset 2) is not below the high watermark yet: the data must stay invisible to read_committed.
        Assert.That(marker.FirstOffset, Is.EqualTo(2));
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(0));
        fixture.Log.MaybeIncrementHighWatermark(3);
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(3));
    }

    [Test]
    public void AbortedTransactions_AreReturnedForTheReadRange_WithTheirFirstOffsets()
    {
        using var fixture = new LogFixture();
        var sequences = new Dictionary<long, int>();
        AppendTxn(fixture, sequences, P1, records: 2);                            // 0-1 P1
        AppendTxn(fixture, sequences, P2, records: 1);                            // 2 P2
        Marker(fixture, P1, commit: false);                                       // 3 P1 aborts (LSO then 2: P2 is open)
        Marker(fixture, P2, commit: true);                                        // 4 P2 commits
        AppendTxn(fixture, sequences, P1, records: 1);                            // 5 P1 again
        Marker(fixture, P1, commit: false);                                       // 6 P1 aborts
        Append(fixture, Plain(fixture));                                // 7 plain

        using LogReadResult all = fixture.Log.Read(0, int.MaxValue / 2, fixture.Log.LastStableOffset, minOneBatch: true, abortedTransactions: true);
        using LogReadResult tail = fixture.Log.Read(7, int.MaxValue / 2, fixture.Log.LastStableOffset, minOneBatch: true, abortedTransactions: true);
        using LogReadResult uncommitted = fixture.Log.Read(0, int.MaxValue / 2, fixture.Log.HighWatermark, minOneBatch: true);

        Assert.That(all.AbortedTransactions, Is.EqualTo(new[]
        {
            new AbortedTxn(P1, 0, 3, 2),
            new AbortedTxn(P1, 5, 6, 7),
        }));
        Assert.That(tail.AbortedTransactions, Is.Empty, "both aborted transactions ended before offset 7");
        Assert.That(uncommitted.AbortedTransactions, Is.Empty);
        Assert.That(Batches.Split(uncommitted.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 2, 3, 4, 5, 6, 7 }));
    }

    [Test]
    public void ReadCommitted_StopsAtTheLastStableOffset()
    {
        using var fixture = new LogFixture();
        var sequences = new Dictionary<long, int>();
        Append(fixture, Plain(fixture));                                // 0
        AppendTxn(fixture, sequences, P1, records: 1);                            // 1 open
        Append(fixture, Plain(fixture));                                // 2

        using LogReadResult read = fixture.Log.Read(0, int.MaxValue / 2, fixture.Log.LastStableOffset, minOneBatch: true, abortedTransactions: true);

        Assert.That(read.LastStableOffset, Is.EqualTo(1));
        Assert.That(Batches.Split(read.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0 }));
    }

    [Test]
    public void AMarkerWithAnOlderProducerEpoch_IsInvalidProducerEpoch_AndNothingIsWritten()
    {
        using var fixture = new LogFixture();
        Append(fixture, Batches.Make(records: 1, timestamp: fixture.Time.NowMs, producerId: P1, producerEpoch: 3, baseSequence: 0, transactional: true));

        LogAppendResult stale = fixture.Log.AppendEndTxnMarker(P1, producerEpoch: 2, coordinatorEpoch: 0, commit: true, leaderEpoch: 0);

        Assert.That(stale.Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(1));
        Assert.That(fixture.Log.FirstUnstableOffset, Is.EqualTo(0));
    }

    [Test]
    public void AMarkerFromAnOlderCoordinatorEpoch_IsTransactionCoordinatorFenced()
    {
        using var fixture = new LogFixture();
        Append(fixture, Batches.Make(records: 1, timestamp: fixture.Time.NowMs, producerId: P1, producerEpoch: 0, baseSequence: 0, transactional: true));
        Assert.That(fixture.Log.AppendEndTxnMarker(P1, 0, coordinatorEpoch: 5, commit: true, leaderEpoch: 0).Error, Is.EqualTo(ErrorCode.None));

        LogAppendResult zombie = fixture.Log.AppendEndTxnMarker(P1, 0, coordinatorEpoch: 4, commit: false, leaderEpoch: 0);

        Assert.That(zombie.Error, Is.EqualTo(ErrorCode.TransactionCoordinatorFenced));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(2));
    }

    [Test]
    public void AMarkerForAProducerWithoutATransaction_IsWritten_AndIndexesNothing()
    {
        using var fixture = new LogFixture();

        LogAppendResult marker = fixture.Log.AppendEndTxnMarker(P1, 0, coordinatorEpoch: 0, commit: false, leaderEpoch: 0);

        Assert.That(marker.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(1));
        fixture.Log.UpdateHighWatermark(1);
        Assert.That(fixture.FileSystem.FileExists(fixture.SegmentPath(0, ".txnindex")), Is.False);
        var batch = Batches.Split(fixture.ReadAll()).Single();
        Assert.That((batch.IsControl, batch.IsTransactional, batch.ProducerId), Is.EqualTo((true, true, P1)));
    }

    [Test]
    public void ANonTransactionalBatch_DuringTheProducersTransaction_IsInvalidTxnState()
    {
        using var fixture = new LogFixture();
        Append(fixture, Batches.Make(records: 1, timestamp: fixture.Time.NowMs, producerId: P1, producerEpoch: 0, baseSequence: 0, transactional: true));

        LogAppendResult result = fixture.Log.Append(Batches.Make(records: 1, timestamp: fixture.Time.NowMs, producerId: P1, producerEpoch: 0, baseSequence: 1), 0);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.InvalidTxnState));
    }

    [Test]
    public void AControlBatch_IsNeverAppendedWithData()
    {
        using var fixture = new LogFixture();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        new KafkaCompat.Records.EndTransactionMarker(KafkaCompat.Records.ControlRecordType.Commit, 0).WriteBatch(buffer, P1, 0, 1_000);

        LogAppendResult result = fixture.Log.Append(buffer.WrittenSpan.ToArray(), 0);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.InvalidRecord));
        Assert.That(fixture.Log.LogEndOffset, Is.EqualTo(0));
    }

    [Test]
    public void AnOpenTransactionsProducer_IsNotExpired()
    {
        using var fixture = new LogFixture();
        Append(fixture, Batches.Make(records: 1, timestamp: 1_000, producerId: P1, producerEpoch: 0, baseSequence: 0, transactional: true));
        Append(fixture, Batches.Make(records: 1, timestamp: 1_000, producerId: P2, producerEpoch: 0, baseSequence: 0));

        int removed = fixture.Log.RemoveExpiredProducers(nowMs: 1_000_000, producerIdExpirationMs: 10);

        Assert.That(removed, Is.EqualTo(1));
        Assert.That(fixture.Log.FirstUnstableOffset, Is.EqualTo(0));
    }

    [Test]
    public void ACleanRestart_KeepsTheOngoingTransaction_InTheProducerSnapshot()
    {
        using var fixture = new LogFixture();
        var sequences = new Dictionary<long, int>();
        Append(fixture, Plain(fixture));
        AppendTxn(fixture, sequences, P1, records: 2);

        fixture.Restart();

        Assert.That(fixture.Log.LoadInfo.ProducerSnapshotOffset, Is.EqualTo(3), "the state came from the snapshot, not from a replay");
        Assert.That(fixture.Log.FirstUnstableOffset, Is.EqualTo(1));
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(1));
        Marker(fixture, P1, commit: false);
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(4));
        using LogReadResult read = fixture.Log.Read(0, int.MaxValue / 2, fixture.Log.LastStableOffset, minOneBatch: true, abortedTransactions: true);
        Assert.That(read.AbortedTransactions, Is.EqualTo(new[] { new AbortedTxn(P1, 1, 3, 4) }));
    }

    /// <summary>Plain records stamped with the fixture's clock, as the markers are: no time-based roll between them.</summary>
    internal static byte[] Plain(LogFixture fixture, int records = 1) => Batches.Make(records: records, timestamp: fixture.Time.NowMs);

    private static void Append(LogFixture fixture, byte[] batch) =>
        Assert.That(fixture.Append(batch).Error, Is.EqualTo(ErrorCode.None));

    /// <summary>A transactional batch of the producer (epoch 0), with its next sequence.</summary>
    internal static void AppendTxn(LogFixture fixture, Dictionary<long, int> sequences, long producerId, int records)
    {
        int sequence = sequences.GetValueOrDefault(producerId);
        Append(fixture, Batches.Make(records: records, timestamp: fixture.Time.NowMs, producerId: producerId, producerEpoch: 0, baseSequence: sequence, transactional: true));
        sequences[producerId] = sequence + records;
    }

    /// <summary>The coordinator's marker (epochs 0), then the high watermark moves past it as the sole replica's would.</summary>
    internal static void Marker(LogFixture fixture, long producerId, bool commit)
    {
        Assert.That(fixture.Log.AppendEndTxnMarker(producerId, 0, coordinatorEpoch: 0, commit, leaderEpoch: 0).Error, Is.EqualTo(ErrorCode.None));
        fixture.Log.UpdateHighWatermark(fixture.Log.LogEndOffset);
    }
}
