using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Raft.Tests.RaftRequestBuilders;

namespace KafkaCompat.Raft.Tests;

/// <summary>Appends, Fetch from replicas and the high watermark (KIP-595), as KafkaRaftClientTest's replication cases.</summary>
public class RaftClientReplicationTests
{
    [Test]
    public void AppendsOfOneLingerAreAppendedWithOneFlushAndCommittedInOrder()
    {
        using var context = new RaftTestContext(1, [1]);
        context.Initialize();
        var flushesBefore = context.Log.FlushCount;

        var first = context.Client.ScheduleAppend(1, TestRecords.Values("a", "b"));
        var second = context.Client.ScheduleAppend(1, TestRecords.Values("c", "d"));
        context.AdvanceAndPoll(context.Config.AppendLingerMs - 1);
        Assert.That(context.Log.EndOffset, Is.EqualTo(1), "still lingering");
        context.AdvanceAndPoll(1);

        Assert.That((first, second), Is.EqualTo((2L, 4L)));
        Assert.That(context.Log.FlushCount - flushesBefore, Is.EqualTo(1));
        Assert.That(context.Log.HighWatermark, Is.EqualTo(5));
        Assert.That(context.Listener.Commits.Select(c => (c.BaseOffset, c.LastOffset, c.Epoch)), Is.EqualTo(new[] { (1L, 2L, 1), (3L, 4L, 1) }));
        Assert.That(context.Listener.CommittedValues, Is.EqualTo(new[] { "a", "b", "c", "d" }));
    }

    [Test]
    public void AnAppendIsRefusedUnlessThisReplicaLeadsThatEpoch()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        Assert.Throws<NotLeaderException>(() => context.Client.ScheduleAppend(0, TestRecords.Values("a")));
        Assert.Throws<ArgumentException>(() => context.Client.ScheduleAppend(7, TestRecords.Values("a")));
        context.ElectLeader();
        Assert.Throws<NotLeaderException>(() => context.Client.ScheduleAppend(0, TestRecords.Values("a")), "an older epoch");
        Assert.That(context.Client.ScheduleAppend(1, TestRecords.Values("a")), Is.EqualTo(1));
    }

    [Test]
    public void TheHighWatermarkMovesOnlyWhenAMajorityHasARecordOfTheLeadersEpoch()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"]));
        using var context = new RaftTestContext(1, [1, 2, 3, 4, 5], log);
        context.Initialize();
        context.ElectLeader();
        Assert.That(context.Client.LeaderAndEpoch.Epoch, Is.EqualTo(2));

        // Voters 2 and 3 have the old epoch's records: with the leader a majority, but not of epoch 2.
        context.Answer<FetchResponseData>(Fetch(2, 2, 10, 1), 17);
        var atEpochStart = FetchPartition(context.Answer<FetchResponseData>(Fetch(3, 2, 10, 1), 17));
        Assert.That(atEpochStart.HighWatermark, Is.EqualTo(-1));

        // One follower past the LeaderChange record: two of five.
        var oneFollower = FetchPartition(context.Answer<FetchResponseData>(Fetch(2, 2, 11, 2), 17));
        Assert.That(oneFollower.HighWatermark, Is.EqualTo(-1));

        var majority = FetchPartition(context.Answer<FetchResponseData>(Fetch(3, 2, 11, 2), 17));
        Assert.That(majority.HighWatermark, Is.EqualTo(11));
        Assert.That(context.Log.HighWatermark, Is.EqualTo(11));
        Assert.That(context.Listener.CommittedValues.Count(), Is.EqualTo(10), "the old epoch's records commit with the new epoch's first");
    }

    [Test]
    public void AnObserverFetchDoesNotCountTowardTheHighWatermark()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.ElectLeader();

        var observer = FetchPartition(context.Answer<FetchResponseData>(Fetch(7, 1, 1, 1), 17));

        Assert.That(observer.HighWatermark, Is.EqualTo(-1));
        Assert.That(FetchPartition(context.Answer<FetchResponseData>(Fetch(2, 1, 1, 1), 17)).HighWatermark, Is.EqualTo(1));
    }

    [Test]
    public void AHeldFetchIsAnsweredWhenRecordsArrive()
    {
        using var context = new RaftTestContext(1, [1]);
        context.Initialize();

        var held = context.Deliver(Fetch(5, 1, 1, 1, maxWaitMs: 500), 17);
        Assert.That(held.IsCompleted, Is.False);
        context.Client.ScheduleAppend(1, TestRecords.Values("x"));
        context.AdvanceAndPoll(context.Config.AppendLingerMs);

        Assert.That(held.IsCompleted, Is.True);
        var records = FetchPartition((FetchResponseData)held.Result).Records!.Value;
        Assert.That(new Records.RecordBatch(records).BaseOffset, Is.EqualTo(1));
    }

    [Test]
    public void AHeldFetchIsAnsweredWhenTheHighWatermarkMoves()
    {
        using var context = new RaftTestContext(1, [1, 2, 3, 4, 5]);
        context.Initialize();
        context.ElectLeader();
        context.Client.ScheduleAppend(1, TestRecords.Values("x"));
        context.AdvanceAndPoll(context.Config.AppendLingerMs);

        // Voter 2 has everything; with the leader that is two of five.
        var held = context.Deliver(Fetch(2, 1, 2, 1, maxWaitMs: 500), 17);
        Assert.That(held.IsCompleted, Is.False);
        context.Answer<FetchResponseData>(Fetch(3, 1, 2, 1), 17);

        Assert.That(held.IsCompleted, Is.True, "the third copy moved the high watermark, which voter 2 learns at once");
        Assert.That(FetchPartition((FetchResponseData)held.Result).HighWatermark, Is.EqualTo(2));
    }

    [Test]
    public void AHeldFetchIsAnsweredEmptyWhenItsMaxWaitRunsOut()
    {
        using var context = new RaftTestContext(1, [1]);
        context.Initialize();

        var held = context.Deliver(Fetch(5, 1, 1, 1, maxWaitMs: 500), 17);
        context.AdvanceAndPoll(499);
        Assert.That(held.IsCompleted, Is.False);
        context.AdvanceAndPoll(1);

        Assert.That(held.IsCompleted, Is.True);
        var partition = FetchPartition((FetchResponseData)held.Result);
        Assert.That((partition.ErrorCode, partition.Records!.Value.Length, partition.HighWatermark), Is.EqualTo(((short)0, 0, 1L)));
    }

    [Test]
    public void TheLeaderAnswersAFetchFromADivergedLogWithTheEpochToTruncateTo()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c"]));
        using var context = new RaftTestContext(1, [1], log);
        context.Initialize();
        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(1, 2)));

        // The fetcher claims epoch 1 up to offset 5; this log's epoch 1 ends at 3.
        var partition = FetchPartition(context.Answer<FetchResponseData>(Fetch(5, 2, 5, 1), 17));

        Assert.That((partition.DivergingEpoch.Epoch, partition.DivergingEpoch.EndOffset), Is.EqualTo((1, 3L)));
        Assert.That(partition.Records!.Value.Length, Is.Zero);
    }

    [Test]
    public void AFollowerTruncatesToTheDivergingEpochAndFetchesFromThere()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c"]), (2, ["d", "e", "f"]));
        using var context = new RaftTestContext(1, [1, 2, 3], log);
        context.Initialize();
        var (fetch, data) = context.FollowAndFetch(leaderId: 2, epoch: 3);
        Assert.That((data.Topics[0].Partitions[0].FetchOffset, data.Topics[0].Partitions[0].LastFetchedEpoch), Is.EqualTo((6L, 2)));

        MockRaftChannel.Respond(fetch, RaftMessages.FetchResponse(new FetchResponseData.PartitionData
        {
            HighWatermark = 0,
            CurrentLeader = new() { LeaderId = 2, LeaderEpoch = 3 },
            DivergingEpoch = new() { Epoch = 1, EndOffset = 3 },
        }));
        context.Poll();

        Assert.That(context.Log.EndOffset, Is.EqualTo(3));
        var next = context.Channel.DrainSent<FetchRequestData>().Single().Data.Topics[0].Partitions[0];
        Assert.That((next.FetchOffset, next.LastFetchedEpoch), Is.EqualTo((3L, 1)));
    }

    [Test]
    public void AFollowerAppendsFlushesAndCommitsUpToTheLeadersHighWatermarkWithinItsLog()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        var (fetch, _) = context.FollowAndFetch(leaderId: 2, epoch: 3);

        MockRaftChannel.Respond(fetch, RaftMessages.FetchResponse(new FetchResponseData.PartitionData
        {
            HighWatermark = 10,
            CurrentLeader = new() { LeaderId = 2, LeaderEpoch = 3 },
            Records = TestRecords.Batch(0, 3, "a", "b"),
        }));
        context.Poll();

        Assert.That((context.Log.EndOffset, context.Log.LastFlushedOffset, context.Log.HighWatermark), Is.EqualTo((2L, 2L, 2L)));
        Assert.That(context.Listener.CommittedValues, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void ListenersAreToldOfTheNewLeaderAfterTheOldEpochsCommits()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b", "c"]));
        using var context = new RaftTestContext(1, [1], log);

        context.Initialize();

        Assert.That(context.Listener.Events, Is.EqualTo(new[] { "commit:0-2", "leader:1@2" }));
    }

    [Test]
    public void AFollowerLeftBehindByALeaderTruncationKeepsItsCommittedRecords()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b"]));
        log.UpdateHighWatermark(2);
        using var context = new RaftTestContext(1, [1, 2, 3], log);
        context.Initialize();
        var (fetch, _) = context.FollowAndFetch(leaderId: 2, epoch: 3);

        MockRaftChannel.Respond(fetch, RaftMessages.FetchResponse(new FetchResponseData.PartitionData
        {
            CurrentLeader = new() { LeaderId = 2, LeaderEpoch = 3 },
            DivergingEpoch = new() { Epoch = 1, EndOffset = 1 },
        }));

        Assert.Throws<InvalidOperationException>(() => context.Poll(), "a leader asking to truncate committed records breaks Raft's safety");
        Assert.That(context.Log.EndOffset, Is.EqualTo(2));
    }
}
