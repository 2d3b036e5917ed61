using KafkaCompat.Raft.Tests.Log;

namespace KafkaCompat.Raft.Tests;

/// <summary>
/// The in-memory Raft log the tests and the simulation run on: the <see cref="IRaftLog"/> contract
/// the file-backed log meets too (else the simulation would prove nothing about the real log), and
/// what only it has: crashes that lose the unflushed tail, as Kafka's MockLog.
/// </summary>
public class MemoryRaftLogTests : RaftLogContractTests
{
    protected override IRaftLog CreateLog() => new MemoryRaftLog();

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
