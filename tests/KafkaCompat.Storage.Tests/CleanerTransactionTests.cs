using System.Text;
using KafkaCompat.Protocol;
using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

/// <summary>
/// The cleaner and transactions (KIP-98, KIP-534): aborted batches go, committed ones are compacted
/// like any, a marker stays while its transaction has a batch left and goes after its delete
/// horizon, the .txnindex follows, and the producer state still loads from the cleaned log.
/// Every append below comes a second after the last, so each is a segment of its own.
/// </summary>
public class CleanerTransactionTests
{
    private const long P1 = 1000;
    private const long P2 = 2000;
    private const long DeleteRetentionMs = 60_000;

    private static readonly LogConfig _config = Compacted.Config with { DeleteRetentionMs = DeleteRetentionMs };

    [Test]
    public void AnAbortedTransactionsBatches_AreRemoved_AndItsMarkerAndIndexEntryFollowAClean_Later()
    {
        using var fixture = new LogFixture(_config);
        Plain(fixture.Log, fixture.Time, ("k1", "a"));                                  // 0
        Txn(fixture.Log, fixture.Time, P1, 0, 0, ("k1", "aborted"), ("k2", "aborted"));   // 1-2 P1, aborted
        Marker(fixture.Log, fixture.Time, P1, 0, commit: false);                        // 3
        Txn(fixture.Log, fixture.Time, P2, 0, 0, ("k3", "c"));                          // 4 P2, committed
        Marker(fixture.Log, fixture.Time, P2, 0, commit: true);                         // 5
        Txn(fixture.Log, fixture.Time, P1, 0, 2, ("k5", "e"));                          // 6 P1 again: its last batch is no longer the aborted one
        Marker(fixture.Log, fixture.Time, P1, 0, commit: true);                         // 7
        Plain(fixture.Log, fixture.Time, ("k9", "active"));                             // 8
        List<string> expected = ["0:k1=a", "4:k3=c", "6:k5=e", "8:k9=active"];
        Assert.That(ReadCommitted(fixture.Log), Is.EqualTo(expected));
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        cleaner.CleanFilthiestLog();

        // The aborted k1 did not supersede k1=a: aborted records never enter the offset map.
        Assert.That(DataRecords(fixture.Log), Is.EqualTo(expected));
        Assert.That(ReadCommitted(fixture.Log), Is.EqualTo(expected));
        // Its batch was read in this clean, so the ABORT marker stays, and with it the index entry.
        Assert.That(Layout(fixture.Log), Is.EqualTo(new[] { "0", "3:abort", "4", "5:commit", "6", "7:commit", "8" }));
        Assert.That(AbortedTransactions(fixture.Log), Is.EqualTo(new[] { new AbortedTxn(P1, 1, 3, 4) }));
        Assert.That(TxnIndexFiles(fixture), Is.EqualTo(new[] { ("00000000000000000000.txnindex", TransactionIndex.EntrySize) }),
            "the cleaned segment's .txnindex holds the one entry in Kafka's 34-byte format");

        // The next clean finds no batch of that transaction left: the marker gets its horizon, the entry goes.
        Plain(fixture.Log, fixture.Time, ("k8", "h"));                                  // 9
        long secondCleanMs = fixture.Time.NowMs;
        cleaner.CleanFilthiestLog();
        Assert.That(Layout(fixture.Log), Is.EqualTo(new[] { "0", $"3:abort@{secondCleanMs + DeleteRetentionMs}", "4", "5:commit", "6", "7:commit", "8", "9" }));
        Assert.That(AbortedTransactions(fixture.Log), Is.Empty);
        Assert.That(TxnIndexFiles(fixture).Sum(f => f.Length), Is.Zero);
        Assert.That(ReadCommitted(fixture.Log), Is.EqualTo(expected.Append("9:k8=h")));

        fixture.Restart();
        Assert.That(AbortedTransactions(fixture.Log), Is.Empty);
        Assert.That(ReadCommitted(fixture.Log), Is.EqualTo(expected.Append("9:k8=h")));
    }

    [Test]
    public void CommittedTransactionalRecords_AreCompactedLikeAnyRecord()
    {
        using var fixture = new LogFixture(_config);
        Txn(fixture.Log, fixture.Time, P1, 0, 0, ("k1", "a"), ("k2", "b"));             // 0-1
        Marker(fixture.Log, fixture.Time, P1, 0, commit: true);                         // 2
        Plain(fixture.Log, fixture.Time, ("k1", "c"));                                  // 3
        Txn(fixture.Log, fixture.Time, P1, 0, 2, ("k2", "d"), ("k3", null));            // 4-5, with a tombstone
        Marker(fixture.Log, fixture.Time, P1, 0, commit: true);                         // 6
        Plain(fixture.Log, fixture.Time, ("k9", "active"));                             // 7
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        cleaner.CleanFilthiestLog();

        Assert.That(DataRecords(fixture.Log), Is.EqualTo(new[] { "3:k1=c", "4:k2=d", "5:k3=null", "7:k9=active" }));
        List<RecordBatch> batches = Batches.Split(fixture.ReadAll());
        RecordBatch second = batches.Single(b => b.BaseOffset == 4);
        Assert.That((second.IsTransactional, second.ProducerId, second.BaseSequence, second.LastOffset, second.HasDeleteHorizon), Is.EqualTo((true, P1, 2, 5L, true)),
            "a committed transaction's batch keeps its producer fields and gets the tombstone's horizon");
        Assert.That(batches.Any(b => b.BaseOffset == 0), Is.False, "the first batch lost every record and is not the producer's last");
        Assert.That(ReadCommitted(fixture.Log), Is.EqualTo(new[] { "3:k1=c", "4:k2=d", "5:k3=null", "7:k9=active" }));
    }

    [Test]
    public void AMarker_StaysWhileItsTransactionHasABatch_ThenGetsADeleteHorizon_AndGoesOnlyAfterIt()
    {
        using var fixture = new LogFixture(_config);
        Txn(fixture.Log, fixture.Time, P1, 0, 0, ("k1", "a"));                          // 0
        Marker(fixture.Log, fixture.Time, P1, 0, commit: true);                         // 1
        long markerMs = fixture.Time.NowMs;
        Plain(fixture.Log, fixture.Time, ("k1", "b"));                                  // 2 supersedes the transaction's only record
        Txn(fixture.Log, fixture.Time, P1, 0, 1, ("k2", "c"));                          // 3 stays: its marker must stay too
        Marker(fixture.Log, fixture.Time, P1, 0, commit: true);                         // 4
        Plain(fixture.Log, fixture.Time, ("k9", "active"));                             // 5
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        cleaner.CleanFilthiestLog();
        Assert.That(Layout(fixture.Log), Is.EqualTo(new[] { "1:commit", "2", "3", "4:commit", "5" }),
            "the clean that removes the transaction's last batch has read it: the marker stays as it is");

        Plain(fixture.Log, fixture.Time, ("k8", "x"));                                  // 6
        long secondCleanMs = fixture.Time.NowMs;
        cleaner.CleanFilthiestLog();
        long horizon = secondCleanMs + DeleteRetentionMs;
        Assert.That(Layout(fixture.Log), Is.EqualTo(new[] { $"1:commit@{horizon}", "2", "3", "4:commit", "5", "6" }));
        RecordBatch stamped = Batches.Split(fixture.ReadAll()).First();
        Assert.That(stamped.IsValidCrc(), Is.True);
        Assert.That(EndTransactionMarker.TryRead(stamped, out EndTransactionMarker marker) && marker.Type == ControlRecordType.Commit, Is.True);
        Assert.That(stamped.MaxTimestamp, Is.EqualTo(markerMs), "the marker keeps its own timestamp behind the horizon");

        fixture.Time.AdvanceMs(horizon - 1 - 1_000 - fixture.Time.NowMs);
        Plain(fixture.Log, fixture.Time, ("k7", "y"));                                  // 7
        Assert.That(fixture.Time.NowMs, Is.EqualTo(horizon - 1));
        cleaner.CleanFilthiestLog();
        Assert.That(Layout(fixture.Log)[0], Is.EqualTo($"1:commit@{horizon}"), "one millisecond before the horizon it is still there");

        Plain(fixture.Log, fixture.Time, ("k6", "z"));                                  // 8, past the horizon
        cleaner.CleanFilthiestLog();
        Assert.That(Layout(fixture.Log), Is.EqualTo(new[] { "2", "3", "4:commit", "5", "6", "7", "8" }));
        Assert.That(ReadCommitted(fixture.Log), Is.EqualTo(new[] { "2:k1=b", "3:k2=c", "5:k9=active", "6:k8=x", "7:k7=y", "8:k6=z" }));
    }

    [Test]
    public void AProducersLastBatch_AnAbortedOneEmptied_KeepsItsMarker_AndTheStateRebuiltFromTheLogHasNoOpenTransaction()
    {
        using var fixture = new LogFixture(_config);
        AbortLast(fixture.Log, fixture.Time);
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);

        for (int clean = 0; clean < 2; clean++)
        {
            Step(fixture.Time);
            Plain(fixture.Log, fixture.Time, ($"n{clean}", "x"));                       // 5, 6
            cleaner.CleanFilthiestLog();
        }

        fixture.Time.AdvanceMs(DeleteRetentionMs * 2);
        Plain(fixture.Log, fixture.Time, ("k7", "y"));                                  // 7
        cleaner.CleanFilthiestLog();

        // The aborted batch is emptied but kept (it carries the producer's last sequence), so its ABORT marker and entry stay.
        Assert.That(Layout(fixture.Log), Is.EqualTo(new[] { "0", "1:commit", "2:empty", "3:abort", "4", "5", "6", "7" }));
        Assert.That(AbortedTransactions(fixture.Log), Is.EqualTo(new[] { new AbortedTxn(P1, 2, 3, 4) }));

        CrashWithoutProducerSnapshots(fixture);

        Assert.That(fixture.Log.LoadInfo.ProducerSnapshotOffset, Is.EqualTo(-1), "the producer state was rebuilt from the cleaned log");
        Assert.That(fixture.Log.FirstUnstableOffset, Is.EqualTo(-1), "the emptied batch's transaction was closed by its marker");
        Assert.That(fixture.Log.LastStableOffset, Is.EqualTo(fixture.Log.LogEndOffset));
        Assert.That(fixture.Append(TxnBatch(fixture.Time, P1, 0, 1, ("k1", "retry"))).IsDuplicate, Is.True, "a retry of the last batch is still recognised");
        Assert.That(fixture.Append(TxnBatch(fixture.Time, P1, 0, 3, ("k1", "gap"))).Error, Is.EqualTo(ErrorCode.OutOfOrderSequenceNumber));
        Assert.That(fixture.Append(TxnBatch(fixture.Time, P1, 0, 2, ("k1", "next"))).Error, Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public void AMarkerOfANewerEpoch_IsTheProducersLastEntry_AndStaysEmptied_SoTheRebuiltStateStillFencesTheOldEpoch()
    {
        using var fixture = new LogFixture(_config);
        Txn(fixture.Log, fixture.Time, P1, 0, 0, ("k1", "a"));                          // 0
        // KIP-890 transaction version 2: the coordinator ends each transaction with a bumped epoch.
        Marker(fixture.Log, fixture.Time, P1, 1, commit: true);                         // 1
        Plain(fixture.Log, fixture.Time, ("k1", "b"));                                  // 2
        Plain(fixture.Log, fixture.Time, ("k9", "active"));                             // 3
        using LogCleaner cleaner = Compacted.CleanerFor(fixture);
        cleaner.CleanFilthiestLog();
        Step(fixture.Time);
        Plain(fixture.Log, fixture.Time, ("k2", "x"));                                  // 4
        cleaner.CleanFilthiestLog();
        fixture.Time.AdvanceMs(DeleteRetentionMs * 2);
        Plain(fixture.Log, fixture.Time, ("k3", "y"));                                  // 5
        cleaner.CleanFilthiestLog();

        Assert.That(Layout(fixture.Log), Is.EqualTo(new[] { "1:empty", "2", "3", "4", "5" }),
            "past its horizon the marker's record goes, its header stays: it holds the producer's epoch");
        RecordBatch emptied = Batches.Split(fixture.ReadAll()).First();
        Assert.That((emptied.IsControl, emptied.ProducerId, emptied.ProducerEpoch, emptied.HasDeleteHorizon, emptied.IsValidCrc()), Is.EqualTo((true, P1, (short)1, false, true)));

        CrashWithoutProducerSnapshots(fixture);

        Assert.That(fixture.Log.LoadInfo.ProducerSnapshotOffset, Is.EqualTo(-1));
        Assert.That(fixture.Append(TxnBatch(fixture.Time, P1, 0, 1, ("k1", "zombie"))).Error, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(fixture.Append(TxnBatch(fixture.Time, P1, 1, 0, ("k1", "c"))).Error, Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public void ACrashAtAnyWriteOfAClean_LeavesTheLogAsBeforeOrAsAfter_WithItsAbortedTransactionsIndexed()
    {
        // A run without failure: the layout after the clean and the number of writes it makes.
        var reference = new FaultyFileSystem(new MemoryFileSystem());
        var referenceTime = new FakeTimeProvider();
        PartitionLog referenceLog = OpenAbortLast(reference, referenceTime);
        List<string> before = Layout(referenceLog);
        List<string> readCommitted = ReadCommitted(referenceLog);
        reference.FailAfter(int.MaxValue - 1);
        Assert.That(Compacted.CleanerOn(reference, referenceTime, referenceLog).CleanFilthiestLog(), Is.Not.Null);
        int writes = reference.Operations;
        List<string> after = Layout(referenceLog);
        Assert.That(after, Is.Not.EqualTo(before));
        // The emptied batch still belongs to the aborted transaction: its entry stays, before and after alike.
        AbortedTxn[] indexed = [new AbortedTxn(P1, 2, 3, 4)];
        Assert.That(AbortedTransactions(referenceLog), Is.EqualTo(indexed));

        var outcomes = new HashSet<string>();
        for (int failAfter = 0; failAfter < writes; failAfter++)
        {
            var memory = new MemoryFileSystem();
            var faulty = new FaultyFileSystem(memory);
            var time = new FakeTimeProvider();
            PartitionLog log = OpenAbortLast(faulty, time);
            faulty.FailAfter(failAfter);
            Assert.That(Compacted.CleanerOn(faulty, time, log).CleanFilthiestLog(), Is.Null, $"failing after {failAfter} writes");

            memory.Crash();
            PartitionLog reopened = PartitionLog.Open(memory, LogFixture.LogDir, new TopicPartition("orders", 0), _config, time);
            List<string> layout = Layout(reopened);
            Assert.That(layout, Is.EqualTo(before).Or.EqualTo(after), $"crash after {failAfter} writes");
            outcomes.Add(layout.SequenceEqual(after) ? "after" : "before");
            Assert.That(AbortedTransactions(reopened), Is.EqualTo(indexed), $"the aborted transaction is indexed after a crash after {failAfter} writes");
            Assert.That(ReadCommitted(reopened), Is.EqualTo(readCommitted));
            reopened.Close();
        }

        Assert.That(outcomes, Is.EquivalentTo(new[] { "before", "after" }), "crashes before and after the commit point were both tried");
    }

    /// <summary>A producer whose last data batch is aborted (0 committed, 1 its marker, 2 aborted, 3 its marker), then plain records.</summary>
    private static void AbortLast(PartitionLog log, FakeTimeProvider time)
    {
        Txn(log, time, P1, 0, 0, ("k1", "a"));                        // 0
        Marker(log, time, P1, 0, commit: true);                       // 1
        Txn(log, time, P1, 0, 1, ("k1", "aborted"));                  // 2 the producer's last data batch
        Marker(log, time, P1, 0, commit: false);                      // 3
        Plain(log, time, ("k9", "active"));                           // 4
    }

    private static PartitionLog OpenAbortLast(IFileSystem fileSystem, FakeTimeProvider time)
    {
        PartitionLog log = PartitionLog.Open(fileSystem, LogFixture.LogDir, new TopicPartition("orders", 0), _config, time);
        AbortLast(log, time);
        Plain(log, time, ("k8", "x"));                                // 5, the active segment
        log.Flush();
        return log;
    }

    /// <summary>Moves the clock a second on (a new segment at the next append) and returns the new time.</summary>
    private static long Step(FakeTimeProvider time)
    {
        time.AdvanceMs(1_000);
        return time.NowMs;
    }

    private static void Plain(PartitionLog log, FakeTimeProvider time, params (string Key, string? Value)[] records)
    {
        Step(time);
        Append(log, Compacted.Batch(time.NowMs, records));
    }

    private static void Txn(PartitionLog log, FakeTimeProvider time, long producerId, short epoch, int sequence, params (string Key, string? Value)[] records)
    {
        Step(time);
        Append(log, TxnBatch(time, producerId, epoch, sequence, records));
    }

    private static void Append(PartitionLog log, byte[] batch)
    {
        Assert.That(log.Append(batch, 0).Error, Is.EqualTo(ErrorCode.None));
        log.UpdateHighWatermark(log.LogEndOffset);
    }

    private static byte[] TxnBatch(FakeTimeProvider time, long producerId, short epoch, int sequence, params (string Key, string? Value)[] records)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence, IsTransactional = true };
        foreach ((string key, string? value) in records)
        {
            builder.Append(time.NowMs, Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value));
        }

        return builder.ToArray();
    }

    /// <summary>The coordinator's marker, then the high watermark moves past it as the sole replica's would.</summary>
    private static void Marker(PartitionLog log, FakeTimeProvider time, long producerId, short epoch, bool commit)
    {
        Step(time);
        Assert.That(log.AppendEndTxnMarker(producerId, epoch, coordinatorEpoch: 0, commit, leaderEpoch: 0).Error, Is.EqualTo(ErrorCode.None));
        log.UpdateHighWatermark(log.LogEndOffset);
    }

    /// <summary>Each batch as "offset" (data), "offset:commit" / "offset:abort" (markers, "@horizon" when stamped) or "offset:empty".</summary>
    private static List<string> Layout(PartitionLog log)
    {
        using LogReadResult read = log.Read(log.LogStartOffset, int.MaxValue / 2, log.HighWatermark, minOneBatch: true);
        return [.. Batches.Split(read.Records).Select(batch =>
            batch.RecordCount == 0 ? $"{batch.BaseOffset}:empty"
            : !batch.IsControl ? $"{batch.BaseOffset}"
            : $"{batch.BaseOffset}:{(EndTransactionMarker.TryRead(batch, out EndTransactionMarker marker) && marker.Type == ControlRecordType.Commit ? "commit" : "abort")}"
                + (batch.HasDeleteHorizon ? $"@{batch.BaseTimestamp}" : ""))];
    }

    /// <summary>Every data record up to the high watermark, as "offset:key=value" (control records left out).</summary>
    private static List<string> DataRecords(PartitionLog log)
    {
        using LogReadResult read = log.Read(log.LogStartOffset, int.MaxValue / 2, log.HighWatermark, minOneBatch: true);
        var result = new List<string>();
        foreach (RecordBatch batch in Batches.Split(read.Records).Where(b => !b.IsControl))
        {
            AddRecords(batch, result);
        }

        return result;
    }

    /// <summary>
    /// What a read_committed consumer keeps of a read up to the last stable offset, as Kafka's
    /// consumer does: a producer's transactional records are skipped from an aborted transaction's
    /// first offset until its ABORT marker; control records are never returned.
    /// </summary>
    private static List<string> ReadCommitted(PartitionLog log)
    {
        using LogReadResult read = log.Read(log.LogStartOffset, int.MaxValue / 2, log.LastStableOffset, minOneBatch: true, abortedTransactions: true);
        Assert.That(read.Error, Is.EqualTo(ErrorCode.None));
        var pending = new Queue<AbortedTxn>(read.AbortedTransactions.OrderBy(t => t.FirstOffset));
        var aborting = new HashSet<long>();
        var result = new List<string>();
        foreach (RecordBatch batch in Batches.Split(read.Records))
        {
            while (pending.Count > 0 && pending.Peek().FirstOffset <= batch.LastOffset)
            {
                aborting.Add(pending.Dequeue().ProducerId);
            }

            if (batch.IsControl)
            {
                if (EndTransactionMarker.TryRead(batch, out EndTransactionMarker marker) && marker.Type == ControlRecordType.Abort)
                {
                    aborting.Remove(batch.ProducerId);
                }

                continue;
            }

            if (batch.IsTransactional && aborting.Contains(batch.ProducerId))
            {
                continue;
            }

            AddRecords(batch, result);
        }

        return result;
    }

    private static void AddRecords(RecordBatch batch, List<string> into)
    {
        Assert.That(batch.IsValidCrc(), Is.True, $"the batch at {batch.BaseOffset} has a valid CRC");
        using RecordBatchReader records = batch.OpenRecords(int.MaxValue);
        foreach (Record record in records)
        {
            into.Add($"{record.Offset}:{Encoding.UTF8.GetString(record.KeySpan)}={(record.IsValueNull ? "null" : Encoding.UTF8.GetString(record.ValueSpan))}");
        }
    }

    private static IReadOnlyList<AbortedTxn> AbortedTransactions(PartitionLog log)
    {
        using LogReadResult read = log.Read(log.LogStartOffset, int.MaxValue / 2, log.LastStableOffset, minOneBatch: true, abortedTransactions: true);
        return [.. read.AbortedTransactions];
    }

    private static List<(string Name, long Length)> TxnIndexFiles(LogFixture fixture) =>
        [.. fixture.FileSystem.ListFiles(fixture.Directory)
            .Where(path => path.EndsWith(LogSegment.TxnIndexExtension, StringComparison.Ordinal))
            .Select(path => (Path.GetFileName(path), (long)fixture.FileSystem.GetContent(path).Length))];

    /// <summary>Loses the producer snapshots and crashes: the producer state must come from the log alone, as Kafka rebuilds it.</summary>
    private static void CrashWithoutProducerSnapshots(LogFixture fixture)
    {
        fixture.Log.Flush();
        foreach (string path in fixture.FileSystem.ListFiles(fixture.Directory).Where(p => p.EndsWith(".snapshot", StringComparison.Ordinal)))
        {
            fixture.FileSystem.DeleteFile(path);
        }

        fixture.CrashAndReopen();
    }
}
