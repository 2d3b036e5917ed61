namespace KafkaCompat.Storage.Tests;

/// <summary>
/// <see cref="PartitionLog.TruncateFullyAndStartAt"/> (Kafka's truncateFullyAndStartAt): a Raft
/// follower that took a snapshot its log does not reach empties the log and starts it at the
/// snapshot's end offset, which may lie beyond the old log end.
/// </summary>
public class TruncateFullyTests
{
    private static readonly TopicPartition _topicPartition = new("__cluster_metadata", 0);
    private static readonly LogConfig _config = LogConfig.Default with { SegmentBytes = 200 };

    [Test]
    public void TheLogStartsAgainEmptyAtTheOffset_PastItsOldEnd_AndStaysThereAfterARestart()
    {
        var memory = new MemoryFileSystem();
        var time = new FakeTimeProvider();
        PartitionLog log = Build(memory, time);
        Assert.That(log.SegmentCount, Is.GreaterThan(1));

        log.TruncateFullyAndStartAt(10);

        Assert.That((log.LogStartOffset, log.LogEndOffset, log.HighWatermark, log.RecoveryPoint), Is.EqualTo((10L, 10L, 10L, 10L)));
        Assert.That(log.LatestLeaderEpoch, Is.EqualTo(-1), "the epochs went with the records");
        Assert.That(log.SegmentCount, Is.EqualTo(1));
        Assert.That(log.Append(Batches.Make(records: 1), 3).FirstOffset, Is.EqualTo(10));
        log.Close();
        PartitionLog reopened = PartitionLog.Open(memory, LogFixture.LogDir, _topicPartition, _config, time);
        Assert.That((reopened.LogStartOffset, reopened.LogEndOffset, reopened.LatestLeaderEpoch), Is.EqualTo((10L, 11L, 3)));
        reopened.Close();
    }

    [Test]
    public void ACrashAfterEveryWrite_LeavesTheOldLogOrTheEmptyOneAtTheNewStart()
    {
        var reference = new FaultyFileSystem(new MemoryFileSystem());
        PartitionLog referenceLog = Build(reference, new FakeTimeProvider());
        reference.FailAfter(int.MaxValue - 1);
        referenceLog.TruncateFullyAndStartAt(10);
        int writes = reference.Operations;
        Assert.That(writes, Is.GreaterThan(3), "the truncation has several steps to interrupt");

        var outcomes = new HashSet<(long Start, long End)>();
        for (int failAfter = 0; failAfter < writes; failAfter++)
        {
            var memory = new MemoryFileSystem();
            var faulty = new FaultyFileSystem(memory);
            var time = new FakeTimeProvider();
            PartitionLog log = Build(faulty, time);
            faulty.FailAfter(failAfter);
            Assert.That(() => log.TruncateFullyAndStartAt(10), Throws.InstanceOf<IOException>(), $"failing after {failAfter} writes");

            memory.Crash();
            PartitionLog reopened = PartitionLog.Open(memory, LogFixture.LogDir, _topicPartition, _config, time);
            (long, long) offsets = (reopened.LogStartOffset, reopened.LogEndOffset);
            Assert.That(offsets, Is.EqualTo((0L, 6L)).Or.EqualTo((10L, 10L)), $"crash after {failAfter} writes");
            if (offsets == (0L, 6L))
            {
                using LogReadResult read = reopened.Read(0, 1 << 20, reopened.LogEndOffset, minOneBatch: true);
                Assert.That(Batches.Split(read.Records).Select(b => b.BaseOffset), Is.EqualTo(new long[] { 0, 2, 4 }));
            }

            outcomes.Add(offsets);
            reopened.Close();
        }

        Assert.That(outcomes, Is.EquivalentTo(new[] { (0L, 6L), (10L, 10L) }), "crashes before and after the new start was checkpointed were both tried");
    }

    /// <summary>Three flushed batches of two records (offsets 0-5), in epochs 1 and 2, over more than one segment.</summary>
    private static PartitionLog Build(IFileSystem fileSystem, FakeTimeProvider time)
    {
        PartitionLog log = PartitionLog.Open(fileSystem, LogFixture.LogDir, _topicPartition, _config, time);
        log.Append(Batches.Make(records: 2, valueSize: 40), 1);
        log.Append(Batches.Make(records: 2, valueSize: 40), 1);
        log.Append(Batches.Make(records: 2, valueSize: 40), 2);
        log.Flush();
        return log;
    }
}
