using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

/// <summary>
/// The aborted transaction index (<c>.txnindex</c>) and the transaction state across crashes,
/// truncation, segment deletion and cleaning.
/// </summary>
public class TransactionRecoveryTests
{
    private const long P1 = 1000;
    private const long P2 = 2000;

    /// <summary>Kafka's AbortedTxn entry for (producer 1000, first offset 0, marker 3, last stable offset 2), written out by hand.</summary>
    private static readonly byte[] _p1AbortedAt3 =
    [
        0x00, 0x00,                                         // version 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,     // producer id 1000
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,     // first offset 0
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,     // last offset 3 (the ABORT marker)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,     // last stable offset 2 (P2's open transaction)
    ];

    [Test]
    public void AnAbortMarker_WritesKafkasEntry_ToItsSegmentsTxnIndex()
    {
        using var fixture = new LogFixture();
        WriteP1AbortedWhileP2Open(fixture);

        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".txnindex")), Is.EqualTo(_p1AbortedAt3));
    }

    [Test]
    public void ACrashMidTransaction_WithATornIndexWrite_RebuildsTheProducerState_TheLastStableOffset_AndTheIndex()
    {
        using var fixture = new LogFixture();
        var sequences = WriteP1AbortedWhileP2Open(fixture);
        TransactionTests.AppendTxn(fixture, sequences, P2, records: 1);          // 4: P2 goes on
        fixture.Log.Flush();
        TransactionTests.Marker(fixture, P2, commit: false);                     // 5: P2's abort, not flushed
        string txnIndex = fixture.SegmentPath(0, ".txnindex");
        Assert.That(fixture.FileSystem.GetContent(txnIndex), Has.Length.EqualTo(2 * 34));

        // Power loss while the second entry was being written: 20 of its 34 bytes reached the disk, the marker did not.
        PartitionLog log = fixture.CrashAndReopen(txnIndex, keptUnflushedBytes: 20);

        Assert.That(log.LoadInfo.HadCleanShutdown, Is.False);
        Assert.That(log.LogEndOffset, Is.EqualTo(5));
        Assert.That(fixture.FileSystem.GetContent(txnIndex), Is.EqualTo(_p1AbortedAt3), "the torn entry is cut, the whole one kept");
        Assert.That(log.FirstUnstableOffset, Is.EqualTo(2), "P2's transaction, open since offset 2, was rebuilt from the log");
        Assert.That(log.LastStableOffset, Is.EqualTo(2));

        TransactionTests.Marker(fixture, P2, commit: false);
        Assert.That(log.LastStableOffset, Is.EqualTo(6));
        using LogReadResult read = log.Read(0, int.MaxValue / 2, log.LastStableOffset, minOneBatch: true, abortedTransactions: true);
        Assert.That(read.AbortedTransactions, Is.EqualTo(new[] { new AbortedTxn(P1, 0, 3, 2), new AbortedTxn(P2, 2, 5, 6) }));
    }

    [Test]
    public void ALostIndex_IsRebuiltFromTheLog_OnRecovery()
    {
        using var fixture = new LogFixture();
        WriteP1AbortedWhileP2Open(fixture);
        fixture.Log.Flush();
        string txnIndex = fixture.SegmentPath(0, ".txnindex");
        fixture.FileSystem.DeleteFile(txnIndex);

        fixture.CrashAndReopen();

        Assert.That(fixture.FileSystem.GetContent(txnIndex), Is.EqualTo(_p1AbortedAt3));
    }

    [Test]
    public void TruncationInsideATransaction_TrimsTheIndex_AndReopensTheTransaction()
    {
        using var fixture = new LogFixture();
        var sequences = WriteP1AbortedWhileP2Open(fixture);                     // 0-1 P1, 2 P2, 3 P1 abort
        TransactionTests.AppendTxn(fixture, sequences, P2, records: 1);          // 4
        TransactionTests.Marker(fixture, P2, commit: true);                      // 5
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(6));

        long end = fixture.Log.TruncateTo(3);

        Assert.That(end, Is.EqualTo(3));
        Assert.That(fixture.FileSystem.GetContent(fixture.SegmentPath(0, ".txnindex")), Is.Empty);
        Assert.That(fixture.Log.FirstUnstableOffset, Is.EqualTo(0), "P1's transaction is open again: its abort was cut");
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(0));

        // The new leader's history: P1 commits this time, then P2 aborts.
        TransactionTests.Marker(fixture, P1, commit: true);                      // 3
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(2));
        TransactionTests.Marker(fixture, P2, commit: false);                     // 4
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(5));
        using LogReadResult read = fixture.Log.Read(0, int.MaxValue / 2, fixture.Log.LastStableOffset, minOneBatch: true, abortedTransactions: true);
        Assert.That(read.AbortedTransactions, Is.EqualTo(new[] { new AbortedTxn(P2, 2, 4, 5) }));
    }

    [Test]
    public void TheIndex_GoesWithItsSegment_AndReadsFindEntriesInLaterSegments()
    {
        // Every append after the first in a segment rolls a new one.
        using var fixture = new LogFixture(LogConfig.Default with { SegmentBytes = 100 });
        var sequences = new Dictionary<long, int>();
        TransactionTests.AppendTxn(fixture, sequences, P1, records: 1);          // 0
        TransactionTests.Marker(fixture, P1, commit: false);                     // 1
        fixture.Append(TransactionTests.Plain(fixture));                                // 2
        fixture.Append(TransactionTests.Plain(fixture));                                // 3
        Assert.That(fixture.Log.Segments.Select(s => s.BaseOffset), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
        string txnIndex = fixture.SegmentPath(1, ".txnindex");
        Assert.That(fixture.FileSystem.FileExists(txnIndex), Is.True);

        using (LogReadResult read = fixture.Log.Read(0, 10, fixture.Log.LastStableOffset, minOneBatch: true, abortedTransactions: true))
        {
            Assert.That(Batches.Split(read.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0 }));
            Assert.That(read.AbortedTransactions, Is.EqualTo(new[] { new AbortedTxn(P1, 0, 1, 2) }));
        }

        fixture.Log.DeleteRecordsBefore(3);

        Assert.That(fixture.FileSystem.FileExists(txnIndex), Is.False);
    }

    [Test]
    public void TheCleaner_StopsAtTheLastStableOffset()
    {
        using var fixture = new LogFixture(Compacted.Config);
        fixture.Append(Compacted.Batch(1_000, ("a", "1")));                     // 0
        fixture.Append(Compacted.Batch(2_000, ("b", "1")));                     // 1
        using (var builder = new RecordBatchBuilder { ProducerId = P1, ProducerEpoch = 0, BaseSequence = 0, IsTransactional = true })
        {
            builder.Append(3_000, "a"u8.ToArray(), "2"u8.ToArray());
            fixture.Append(builder.ToArray());                                   // 2: open transaction
        }

        fixture.Append(Compacted.Batch(4_000, ("c", "1")));                     // 3
        fixture.Append(Compacted.Batch(5_000, ("d", "1")));                     // 4 (active)
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(2));

        LogToClean measured = new LogCleanerManager(fixture.FileSystem).Measure(fixture.Log, fixture.Time.NowMs);

        Assert.That(measured.FirstUncleanableOffset, Is.EqualTo(2));
    }

    /// <summary>P1 writes 0-1, P2 opens a transaction at 2, P1 aborts at 3 (with P2 open, so its entry's last stable offset is 2).</summary>
    private static Dictionary<long, int> WriteP1AbortedWhileP2Open(LogFixture fixture)
    {
        var sequences = new Dictionary<long, int>();
        TransactionTests.AppendTxn(fixture, sequences, P1, records: 2);
        TransactionTests.AppendTxn(fixture, sequences, P2, records: 1);
        TransactionTests.Marker(fixture, P1, commit: false);
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(2));
        return sequences;
    }
}
