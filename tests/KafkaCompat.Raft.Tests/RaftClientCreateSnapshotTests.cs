namespace KafkaCompat.Raft.Tests;

/// <summary>The snapshot a state machine takes through the client (Kafka's RaftClient.createSnapshot, KIP-630) and the log's cleaning behind it.</summary>
public class RaftClientCreateSnapshotTests
{
    [Test]
    public void ASnapshotOfCommittedStateIsWrittenLoadedByANewListenerAndTheLogIsCleanedBehindIt()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c"]), (1, ["d"]));
        log.UpdateHighWatermark(4);
        using var context = new RaftTestContext(1, [1], log);
        context.Initialize();
        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(1, 2)));

        using (var writer = context.Client.CreateSnapshot(new OffsetAndEpoch(3, 1), 42)!)
        {
            writer.Append(TestRecords.Values("state-a", "state-b"));
            Assert.That(log.LatestSnapshotId, Is.Null, "nothing is visible before the freeze");
            writer.Freeze();
            Assert.That(() => writer.Append(TestRecords.Values("late")), Throws.InvalidOperationException);
            Assert.That(writer.Freeze, Throws.InvalidOperationException);
        }

        Assert.That(log.LatestSnapshotId, Is.EqualTo(new OffsetAndEpoch(3, 1)));
        using (var reader = log.ReadSnapshot(new OffsetAndEpoch(3, 1))!)
        {
            var snapshot = RecordsSnapshotReader.TryRead(reader, 1 << 20, out var problem);
            Assert.That(problem, Is.Null);
            Assert.That(snapshot!.LastContainedLogTimestamp, Is.EqualTo(42));
            Assert.That(snapshot.Records.Select(TestRecords.Text), Is.EqualTo(new[] { "state-a", "state-b" }));
        }

        context.Poll();
        Assert.That(log.StartOffset, Is.Zero, "the log is cleaned once a clean interval has passed");
        context.AdvanceAndPoll(context.Client.LogCleanIntervalMs);
        Assert.That(log.StartOffset, Is.EqualTo(3));

        var late = new RecordingListener();
        context.Client.Register(late);
        context.Poll();
        Assert.That(late.Events[0], Is.EqualTo("snapshot:3"));
        Assert.That(late.Snapshots.Single().Records.Select(TestRecords.Text), Is.EqualTo(new[] { "state-a", "state-b" }));
        Assert.That(late.CommittedValues, Is.EqualTo(new[] { "d" }), "then the log after the snapshot");
    }

    [Test]
    public void CreateSnapshotRefusesIdsPastTheHighWatermarkOrThatTheLogDoesNotHold()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c"]), (2, ["d", "e"]));
        log.UpdateHighWatermark(3);
        using var context = new RaftTestContext(1, [1, 2, 3], log);
        Assert.That(() => context.Client.CreateSnapshot(new OffsetAndEpoch(3, 1), 0), Throws.InvalidOperationException, "not initialized");
        context.Initialize();

        Assert.That(() => context.Client.CreateSnapshot(new OffsetAndEpoch(4, 2), 0), Throws.ArgumentException, "past the high watermark");
        Assert.That(() => context.Client.CreateSnapshot(new OffsetAndEpoch(3, 3), 0), Throws.ArgumentException, "the log has no epoch 3");
        Assert.That(log.LatestSnapshotId, Is.Null);

        using (var unfrozen = context.Client.CreateSnapshot(new OffsetAndEpoch(3, 1), 0))
        {
            Assert.That(unfrozen, Is.Not.Null);
        }
        Assert.That(log.LatestSnapshotId, Is.Null, "a writer disposed before its freeze leaves nothing");

        using (var writer = context.Client.CreateSnapshot(new OffsetAndEpoch(3, 1), 0)!)
        {
            writer.Freeze();
        }
        Assert.That(context.Client.CreateSnapshot(new OffsetAndEpoch(3, 1), 0), Is.Null, "it exists already");
        Assert.That(log.DeleteBeforeSnapshot(new OffsetAndEpoch(3, 1)), Is.True);
        Assert.That(context.Client.CreateSnapshot(new OffsetAndEpoch(2, 1), 0), Is.Null, "the log starts after it");
    }
}
