using KafkaCompat.Broker.Share.Coordinator;
using static KafkaCompat.Broker.Tests.Share.DeliveryStates;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>
/// The share coordinator's state machine over real storage and a hand-moved clock: initialization,
/// epoch fencing, the snapshot interval, the combination of writes, and state rebuilt from
/// <c>__share_group_state</c> after a restart exactly as it was.
/// </summary>
public class ShareCoordinatorShardTests
{
    [Test]
    public async Task AnInitializedSharePartitionReadsItsStartOffsetAndStateEpochWithNoBatches()
    {
        await using var harness = new ShareStateHarness();
        harness.Broker.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.That(await harness.InitializeAsync(stateEpoch: 3, startOffset: 42), Is.EqualTo(ErrorCode.None));
        var read = await harness.ReadAsync(leaderEpoch: 0);

        Assert.That((read.ErrorCode, read.StateEpoch, read.StartOffset, read.StateBatches.Count), Is.EqualTo(((short)0, 3, 42L, 0)));
        var state = harness.State()!;
        Assert.That((state.SnapshotEpoch, state.CreateTimestamp, state.DeliveryCompleteCount), Is.EqualTo((0, harness.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds(), 0)));
        Assert.That(state.LeaderEpoch, Is.EqualTo(0), "the reading leader's epoch is recorded");
    }

    [Test]
    public async Task ReadingOrWritingASharePartitionNeverInitializedIsAnInvalidRequest()
    {
        await using var harness = new ShareStateHarness();

        var read = await harness.ReadAsync(leaderEpoch: 0);
        var written = await harness.WriteAsync(leaderEpoch: 0, startOffset: 0, new PersisterStateBatch(0, 9, Available, 1));

        Assert.That(((ErrorCode)read.ErrorCode, read.ErrorMessage), Is.EqualTo((ErrorCode.InvalidRequest, "Read operation on uninitialized share partition not allowed.")));
        Assert.That(written, Is.EqualTo(ErrorCode.InvalidRequest));
        Assert.That(harness.State(), Is.Null);
    }

    [Test]
    public async Task AWriteFromAnOlderLeaderEpochIsFencedAndChangesNothing()
    {
        await using var harness = new ShareStateHarness();
        await harness.InitializeAsync();
        // The leader of epoch 2 reads first, which records its epoch (a write does not, as in Kafka).
        await harness.ReadAsync(leaderEpoch: 2);
        Assert.That(await harness.WriteAsync(leaderEpoch: 2, startOffset: 0, new PersisterStateBatch(0, 9, Acquired, 1)), Is.EqualTo(ErrorCode.None));

        var fenced = await harness.WriteAsync(leaderEpoch: 1, startOffset: 5, new PersisterStateBatch(0, 9, Acknowledged, 1));

        Assert.That(fenced, Is.EqualTo(ErrorCode.FencedLeaderEpoch));
        Assert.That(harness.State()!.StateBatches, Is.EqualTo(new PersisterStateBatch[] { new(0, 9, Acquired, 1) }));
        Assert.That(((ErrorCode)(await harness.ReadAsync(leaderEpoch: 1)).ErrorCode), Is.EqualTo(ErrorCode.FencedLeaderEpoch));
    }

    [Test]
    public async Task ReadingWithANewerLeaderEpochFencesTheWritesOfThePreviousLeader()
    {
        await using var harness = new ShareStateHarness();
        await harness.InitializeAsync();
        await harness.WriteAsync(leaderEpoch: 1, startOffset: 0, new PersisterStateBatch(0, 9, Acquired, 1));

        var read = await harness.ReadAsync(leaderEpoch: 4);
        var deposed = await harness.WriteAsync(leaderEpoch: 1, startOffset: 0, new PersisterStateBatch(0, 9, Acknowledged, 1));

        Assert.That(((ErrorCode)read.ErrorCode, deposed), Is.EqualTo((ErrorCode.None, ErrorCode.FencedLeaderEpoch)));
        Assert.That(harness.State()!.LeaderEpoch, Is.EqualTo(4));
    }

    [Test]
    public async Task AnOlderStateEpochIsFencedForWritesAndInitializations()
    {
        await using var harness = new ShareStateHarness();
        Assert.That(await harness.InitializeAsync(stateEpoch: 2, startOffset: 10), Is.EqualTo(ErrorCode.None));

        var write = await harness.WriteAsync(partition: 0, stateEpoch: 1, leaderEpoch: 0, startOffset: 10, new PersisterStateBatch(10, 19, Acquired, 1));
        var initialize = await harness.InitializeAsync(stateEpoch: 1, startOffset: 0);

        Assert.That((write, initialize), Is.EqualTo((ErrorCode.FencedStateEpoch, ErrorCode.FencedStateEpoch)));
        Assert.That((harness.State()!.StateEpoch, harness.State()!.StartOffset), Is.EqualTo((2, 10L)));
    }

    [Test]
    public async Task ReinitializingAtANewStateEpochStartsOverAtTheNewStartOffsetWithTheNextSnapshotEpoch()
    {
        await using var harness = new ShareStateHarness();
        await harness.InitializeAsync(stateEpoch: 0, startOffset: 0);
        await harness.WriteAsync(leaderEpoch: 0, startOffset: 0, new PersisterStateBatch(0, 9, Acknowledged, 1));

        Assert.That(await harness.InitializeAsync(stateEpoch: 1, startOffset: 500), Is.EqualTo(ErrorCode.None));

        var state = harness.State()!;
        Assert.That((state.SnapshotEpoch, state.StateEpoch, state.StartOffset, state.LeaderEpoch, state.StateBatches.Length), Is.EqualTo((1, 1, 500L, -1, 0)));
    }

    [Test]
    public async Task ASharePartitionOfAnUnknownTopicOrPartitionIsRefused()
    {
        await using var harness = new ShareStateHarness();

        var unknownTopic = await harness.Broker.Shares.InitializeStateAsync(new InitializeShareGroupStateRequestData
        {
            GroupId = ShareStateHarness.Group,
            Topics = [new() { TopicId = Uuid.NewRandom(), Partitions = [new() { Partition = 0 }] }],
        });
        var unknownPartition = await harness.InitializeAsync(partition: 3);

        Assert.That((ErrorCode)unknownTopic.Results.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
        Assert.That(unknownPartition, Is.EqualTo(ErrorCode.UnknownTopicOrPartition), "topic t has 3 partitions");
    }

    /// <summary>Kafka's own scenario: a write that moves the start offset and touches batch 3 must not lose batch 2, which it does not mention.</summary>
    [TestCase("0")]
    [TestCase("500")]
    public async Task ABatchAWriteDoesNotMentionSurvivesItWhetherTheWriteIsASnapshotOrAnUpdate(string updatesPerSnapshot)
    {
        await using var harness = new ShareStateHarness(new() { ["share.coordinator.snapshot.update.records.per.snapshot"] = updatesPerSnapshot });
        await harness.InitializeAsync(startOffset: 100);
        await harness.WriteAsync(leaderEpoch: 0, startOffset: 100, new(100, 109, Acquired, 1), new(110, 119, Acquired, 2), new(120, 129, Acquired, 0));
        await harness.WriteAsync(leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(100, 109, Acknowledged, 1));

        await harness.WriteAsync(leaderEpoch: 0, startOffset: 110, new PersisterStateBatch(120, 129, Acknowledged, 1));

        var read = await harness.ReadAsync(leaderEpoch: 0);
        Assert.That(read.StartOffset, Is.EqualTo(110));
        Assert.That(read.StateBatches.Select(b => new PersisterStateBatch(b.FirstOffset, b.LastOffset, b.DeliveryState, b.DeliveryCount)),
            Is.EqualTo(new PersisterStateBatch[] { new(110, 119, Acquired, 2), new(120, 129, Acknowledged, 1) }));
    }

    [Test]
    public async Task AWriteIsASnapshotOnceTheConfiguredNumberOfUpdatesFollowedTheLastOne()
    {
        await using var harness = new ShareStateHarness(new() { ["share.coordinator.snapshot.update.records.per.snapshot"] = "2" });
        await harness.InitializeAsync();
        var shard = harness.Broker.Shares.ShardOf(harness.Key())!;
        var seen = new List<(int SnapshotEpoch, int Updates)> { (harness.State()!.SnapshotEpoch, shard.UpdatesSinceSnapshot(harness.Key())) };

        for (var i = 0; i < 4; i++)
        {
            await harness.WriteAsync(leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(i, i, Acknowledged, 1));
            seen.Add((harness.State()!.SnapshotEpoch, shard.UpdatesSinceSnapshot(harness.Key())));
        }

        // Initialize writes snapshot 0; two updates; the third write is snapshot 1; then updates again.
        Assert.That(seen, Is.EqualTo(new[] { (0, 0), (0, 1), (0, 2), (1, 0), (1, 1) }));
        Assert.That(harness.State()!.StateBatches, Is.EqualTo(new PersisterStateBatch[] { new(0, 3, Acknowledged, 1) }));
    }

    [Test]
    public async Task ASnapshotTheUpdateCountDidNotCallForLeavesTheCountRunning()
    {
        await using var harness = new ShareStateHarness(new() { ["share.coordinator.snapshot.update.records.per.snapshot"] = "2" });
        await harness.InitializeAsync(stateEpoch: 0);
        var shard = harness.Broker.Shares.ShardOf(harness.Key())!;
        await harness.WriteAsync(leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(0, 0, Acknowledged, 1));

        // Reinitialized (AlterShareGroupOffsets): a snapshot, but not one the count asked for.
        await harness.InitializeAsync(stateEpoch: 1, startOffset: 5);
        Assert.That(shard.UpdatesSinceSnapshot(harness.Key()), Is.EqualTo(1));
        await harness.WriteAsync(partition: 0, stateEpoch: 1, leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(5, 5, Acknowledged, 1));
        var epochBefore = harness.State()!.SnapshotEpoch;
        await harness.WriteAsync(partition: 0, stateEpoch: 1, leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(6, 6, Acknowledged, 1));

        Assert.That(harness.State()!.SnapshotEpoch, Is.EqualTo(epochBefore + 1), "two updates since the count last restarted: this write is a snapshot");
        Assert.That(shard.UpdatesSinceSnapshot(harness.Key()), Is.EqualTo(0));
    }

    [Test]
    public async Task AColdSharePartitionIsSnapshottedAgainOnceAndTheReloadedStateIsTheSame()
    {
        await using var harness = new ShareStateHarness();
        await harness.InitializeAsync(startOffset: 0);
        await harness.WriteAsync(leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(0, 4, Acknowledged, 1), new PersisterStateBatch(5, 9, Available, 2));
        var shard = harness.Broker.Shares.ShardOf(harness.Key())!;
        var written = harness.State()!;
        var partition = harness.Broker.Replicas.GetPartition("__share_group_state", harness.Broker.Shares.PartitionFor(harness.Key().CoordinatorKey))!;
        var end = partition.LogEndOffset;

        harness.Broker.Time.Advance(TimeSpan.FromMilliseconds(ShareCoordinator.ColdPartitionSnapshotIntervalMs));
        await harness.Broker.Shares.DrainAsync();

        var cold = harness.State()!;
        Assert.That(partition.LogEndOffset, Is.EqualTo(end + 1), "one ShareSnapshot");
        Assert.That(cold, Is.EqualTo(written with { SnapshotEpoch = written.SnapshotEpoch + 1, WriteTimestamp = harness.Broker.Time.NowMs }));
        Assert.That(cold.CreateTimestamp, Is.EqualTo(written.CreateTimestamp));

        harness.Broker.Time.Advance(TimeSpan.FromMilliseconds(ShareCoordinator.ColdPartitionSnapshotIntervalMs));
        await harness.Broker.Shares.DrainAsync();
        Assert.That(partition.LogEndOffset, Is.EqualTo(end + 1), "every share-partition is a cold copy already: nothing is written again");

        await harness.RestartAsync();
        Assert.That(harness.State(), Is.EqualTo(cold));
    }

    /// <summary>
    /// Random writes against a model that keeps every offset's state by itself: the combined batches
    /// equal the model after every write, and after a restart the state replayed from the snapshots
    /// and updates in the log is the state that was live, to the snapshot epoch and timestamps.
    /// </summary>
    [TestCase("0")]
    [TestCase("3")]
    [TestCase("500")]
    public async Task StateReplayedFromSnapshotsAndUpdatesAfterARestartIsTheLiveState(string updatesPerSnapshot)
    {
        await using var harness = new ShareStateHarness(new() { ["share.coordinator.snapshot.update.records.per.snapshot"] = updatesPerSnapshot });
        await harness.InitializeAsync(startOffset: 0);
        var random = new Random(932);
        var model = new SortedDictionary<long, (sbyte State, short Count)>();
        long start = 0;
        sbyte[] states = [Available, Acquired, Acknowledged, Archived];

        for (var write = 0; write < 40; write++)
        {
            harness.Broker.Time.Advance(TimeSpan.FromMilliseconds(10));
            var batches = Enumerable.Range(0, random.Next(1, 4)).Select(_ =>
            {
                var first = start + random.Next(0, 60);
                return new PersisterStateBatch(first, first + random.Next(0, 15), states[random.Next(states.Length)], (short)random.Next(1, 4));
            }).ToArray();
            var newStart = random.Next(4) == 0 ? start + random.Next(1, 20) : -1;

            Assert.That(await harness.WriteAsync(leaderEpoch: 0, startOffset: newStart, batches), Is.EqualTo(ErrorCode.None));

            foreach (var batch in batches)
            {
                for (var offset = batch.FirstOffset; offset <= batch.LastOffset; offset++)
                {
                    model[offset] = (batch.DeliveryState, batch.DeliveryCount);
                }
            }
            if (newStart >= 0)
            {
                start = newStart;
                foreach (var below in model.Keys.Where(o => o < start).ToList())
                {
                    model.Remove(below);
                }
            }
            Assert.That(Expand(harness.State()!.StateBatches), Is.EqualTo(model.ToList()), $"after write {write}");
        }
        var live = harness.State()!;

        await harness.RestartAsync();

        Assert.That(harness.State(), Is.EqualTo(live));
        Assert.That(live.StartOffset, Is.EqualTo(start));
    }

    [Test]
    public async Task DeletedStateStaysDeletedAfterARestart()
    {
        await using var harness = new ShareStateHarness();
        await harness.InitializeAsync(partition: 0);
        await harness.InitializeAsync(partition: 1, startOffset: 7);

        var deleted = await harness.Broker.Shares.DeleteStateAsync(new DeleteShareGroupStateRequestData
        {
            GroupId = ShareStateHarness.Group,
            Topics = [new() { TopicId = harness.TopicId, Partitions = [new() { Partition = 0 }, new() { Partition = 2 }] }],
        });
        await harness.RestartAsync();

        Assert.That(deleted.Results.Single().Partitions.Select(p => (p.Partition, (ErrorCode)p.ErrorCode)), Is.EqualTo(new[] { (0, ErrorCode.None), (2, ErrorCode.None) }),
            "partition 2 was never initialized: already gone");
        Assert.That((ErrorCode)(await harness.ReadAsync(leaderEpoch: 0, partition: 0)).ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
        Assert.That((await harness.ReadAsync(leaderEpoch: 0, partition: 1)).StartOffset, Is.EqualTo(7));
    }

    [Test]
    public async Task TheStateOfADeletedTopicsSharePartitionsIsDroppedAndStaysDroppedAfterARestart()
    {
        await using var harness = new ShareStateHarness();
        var other = new SharePartitionKey(ShareStateHarness.Group, harness.Broker.Metadata.Image.Topic("other")!.Id, 0);
        await harness.InitializeAsync(startOffset: 5);
        var initialized = await harness.Broker.Shares.InitializeStateAsync(new InitializeShareGroupStateRequestData
        {
            GroupId = ShareStateHarness.Group,
            Topics = [new() { TopicId = other.TopicId, Partitions = [new() { Partition = 0, StartOffset = 9 }] }],
        });
        Assert.That((ErrorCode)initialized.Results.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.None));

        Assert.That((await harness.Broker.Metadata.DeleteTopic("other", Uuid.Zero)).Result.IsOk, Is.True);
        await harness.Broker.Shares.DrainAsync();

        Assert.That(harness.Broker.Shares.ShardOf(other)!.State(other), Is.Null);
        Assert.That(harness.State()!.StartOffset, Is.EqualTo(5), "topic t is still there");
        await harness.RestartAsync();
        Assert.That(harness.Broker.Shares.ShardOf(other)!.State(other), Is.Null);
        Assert.That(harness.State()!.StartOffset, Is.EqualTo(5));
    }

    [Test]
    public async Task RecordsBelowTheOldestLatestSnapshotArePrunedEveryFiveMinutesAndTheStateStillLoads()
    {
        await using var harness = new ShareStateHarness(new() { ["share.coordinator.snapshot.update.records.per.snapshot"] = "1" });
        await harness.InitializeAsync(startOffset: 0);                                                 // 0: snapshot
        await harness.WriteAsync(leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(0, 4, Acknowledged, 1)); // 1: update
        await harness.WriteAsync(leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(5, 9, Archived, 3));     // 2: snapshot
        await harness.WriteAsync(leaderEpoch: 0, startOffset: 2, new PersisterStateBatch(10, 14, Available, 1));   // 3: update
        var live = harness.State()!;
        var partition = harness.Broker.Replicas.GetPartition("__share_group_state", harness.Broker.Shares.PartitionFor(harness.Key().CoordinatorKey))!;

        harness.Broker.Time.Advance(TimeSpan.FromMilliseconds(ShareCoordinator.PruneIntervalMs - 1));
        await harness.Broker.Shares.DrainAsync();
        var before = partition.LogStartOffset;
        harness.Broker.Time.Advance(TimeSpan.FromMilliseconds(1));
        await harness.Broker.Shares.DrainAsync();
        var after = partition.LogStartOffset;

        Assert.That((before, after), Is.EqualTo((0L, 2L)), "the latest snapshot is at offset 2");
        // The same five minutes made the share-partition cold: its state was snapshotted again, unchanged but for the snapshot epoch and write time.
        var snapshotted = harness.State()!;
        Assert.That(snapshotted, Is.EqualTo(live with { SnapshotEpoch = live.SnapshotEpoch + 1, WriteTimestamp = harness.Broker.Time.NowMs }));
        await harness.RestartAsync();
        Assert.That(harness.State(), Is.EqualTo(snapshotted));
    }

    [Test]
    public async Task WithNoSharePartitionLeftEveryRecordIsPruned()
    {
        await using var harness = new ShareStateHarness();
        await harness.InitializeAsync(startOffset: 0);
        await harness.WriteAsync(leaderEpoch: 0, startOffset: -1, new PersisterStateBatch(0, 4, Acknowledged, 1));
        await harness.Broker.Shares.DeleteStateAsync(new DeleteShareGroupStateRequestData
        {
            GroupId = ShareStateHarness.Group,
            Topics = [new() { TopicId = harness.TopicId, Partitions = [new() { Partition = 0 }] }],
        });
        var partition = harness.Broker.Replicas.GetPartition("__share_group_state", harness.Broker.Shares.PartitionFor(harness.Key().CoordinatorKey))!;

        harness.Broker.Time.Advance(TimeSpan.FromMilliseconds(ShareCoordinator.PruneIntervalMs));
        await harness.Broker.Shares.DrainAsync();

        Assert.That((partition.LogStartOffset, partition.LogEndOffset), Is.EqualTo((3L, 3L)));
    }

    private static List<KeyValuePair<long, (sbyte State, short Count)>> Expand(IEnumerable<PersisterStateBatch> batches) =>
        [.. batches.SelectMany(b => Enumerable.Range(0, (int)(b.LastOffset - b.FirstOffset + 1))
            .Select(i => KeyValuePair.Create(b.FirstOffset + i, (b.DeliveryState, b.DeliveryCount))))];
}
