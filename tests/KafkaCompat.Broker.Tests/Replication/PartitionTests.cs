using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Replication;

public class PartitionTests
{
    [Test]
    public void ConcurrentAppendsNeverHideAnAcknowledgedRecord()
    {
        // Several appenders on one partition, each checking after its own acknowledgement that the high
        // watermark covers every record any appender has had acknowledged so far. A high watermark set
        // from a log end read outside the append (and clamped rather than only raised) regresses when
        // two appends finish out of order, leaving acknowledged records invisible to ListOffsets and Fetch.
        using var harness = new ReplicaHarness(new FakeTime());
        var partition = harness.Partition();
        const int Appenders = 4;
        const int Rounds = 20_000;
        long acknowledged = 0;
        var violations = 0;
        var batch = ReplicaHarness.Batch(1, "v");
        var threads = Enumerable.Range(0, Appenders).Select(_ => new Thread(() =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                var result = partition.AppendAsLeader(batch.ToArray());
                Assert.That(result.Error, Is.EqualTo(ErrorCode.None));
                InterlockedMax(ref acknowledged, result.LastOffset + 1);
                var seen = Volatile.Read(ref acknowledged);
                if (partition.HighWatermark < seen)
                {
                    Interlocked.Increment(ref violations);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(violations, Is.Zero, "times the high watermark was below an acknowledged offset");
        Assert.That(partition.HighWatermark, Is.EqualTo(partition.LogEndOffset));
        Assert.That(partition.LogEndOffset, Is.EqualTo(Appenders * Rounds));
    }

    [Test]
    public void AWatcherHearsOfEveryAppendUntilItIsRemoved()
    {
        using var harness = new ReplicaHarness(new FakeTime());
        var partition = harness.Partition();
        var watcher = new CountingWatcher();
        partition.Watch(watcher);
        partition.AppendAsLeader(ReplicaHarness.Batch(1, "a"));
        partition.AppendAsLeader(ReplicaHarness.Batch(1, "b"));
        partition.Unwatch(watcher);
        partition.AppendAsLeader(ReplicaHarness.Batch(1, "c"));
        Assert.That(watcher.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task DeletingTheTopicWakesItsWatchers()
    {
        using var harness = new ReplicaHarness(new FakeTime());
        var watcher = new CountingWatcher();
        harness.Partition().Watch(watcher);
        await harness.Metadata.DeleteTopic(null, harness.Metadata.Image.Topic(ReplicaHarness.Topic)!.Id);
        Assert.That(watcher.Count, Is.EqualTo(1));
        Assert.That(harness.Replicas.GetPartition(ReplicaHarness.Topic, 0), Is.Null);
    }

    [Test]
    public void ReadsStopAtWhatTheIsolationAllows()
    {
        using var harness = new ReplicaHarness(new FakeTime());
        var partition = harness.Partition();
        partition.AppendAsLeader(ReplicaHarness.Batch(1, "a", "b"));
        // Records a leader has not committed: in the log, above the high watermark.
        harness.Log().Append(ReplicaHarness.Batch(1, "c"), partition.LeaderEpoch);

        using var committed = partition.Read(0, 1 << 20, FetchIsolation.HighWatermark, minOneBatch: true);
        using var everything = partition.Read(0, 1 << 20, FetchIsolation.LogEnd, minOneBatch: true);
        Assert.That(LastOffsetOf(committed), Is.EqualTo(1));
        Assert.That(LastOffsetOf(everything), Is.EqualTo(2));
    }

    private static long LastOffsetOf(LogReadResult read)
    {
        var last = -1L;
        foreach (var batch in new KafkaCompat.Records.RecordBatchSet(read.Records))
        {
            last = batch.LastOffset;
        }
        return last;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private sealed class CountingWatcher : IPartitionWatcher
    {
        public int Count;

        public void OnPartitionChanged(Partition partition) => Interlocked.Increment(ref Count);
    }
}
