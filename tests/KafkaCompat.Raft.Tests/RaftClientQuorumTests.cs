using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Raft.Tests.RaftRequestBuilders;

namespace KafkaCompat.Raft.Tests;

/// <summary>DescribeQuorum, EndQuorumEpoch's preferred successors, resignation and graceful shutdown.</summary>
public class RaftClientQuorumTests
{
    [Test]
    public void DescribeQuorumListsVotersAndObserversWithTheirProgress()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.ElectLeader();
        context.AdvanceAndPoll(100);
        var followerFetchMs = context.Time.NowMs;
        context.Answer<FetchResponseData>(Fetch(2, 1, 1, 1), 17);
        context.AdvanceAndPoll(100);
        var observerFetchMs = context.Time.NowMs;
        context.Answer<FetchResponseData>(Fetch(7, 1, 0, 0), 17);
        context.AdvanceAndPoll(100);

        var response = context.Answer<DescribeQuorumResponseData>(new DescribeQuorumRequestData
        {
            Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0 }] }],
        }, 2);

        var partition = response.Topics[0].Partitions[0];
        var now = context.Time.NowMs;
        Assert.That((partition.ErrorCode, partition.LeaderId, partition.LeaderEpoch, partition.HighWatermark), Is.EqualTo(((short)0, 1, 1, 1L)));
        Assert.That(partition.CurrentVoters.Select(v => (v.ReplicaId, v.LogEndOffset, v.LastFetchTimestamp, v.LastCaughtUpTimestamp)), Is.EqualTo(new[]
        {
            (1, 1L, now, now),
            (2, 1L, followerFetchMs, followerFetchMs),
            (3, -1L, -1L, -1L),
        }));
        Assert.That(partition.Observers.Select(v => (v.ReplicaId, v.LogEndOffset, v.LastFetchTimestamp, v.LastCaughtUpTimestamp)), Is.EqualTo(new[] { (7, 0L, observerFetchMs, -1L) }));
        Assert.That(response.Nodes.Select(n => (n.NodeId, n.Listeners.Single().Name, n.Listeners.Single().Port)), Is.EqualTo(new[] { (1, "CONTROLLER", (ushort)9991), (2, "CONTROLLER", (ushort)9992), (3, "CONTROLLER", (ushort)9993) }));
    }

    [Test]
    public void DescribeQuorumIsAnsweredOnlyByTheLeader()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        var response = context.Answer<DescribeQuorumResponseData>(new DescribeQuorumRequestData
        {
            Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0 }] }],
        }, 2);
        var unknown = context.Answer<DescribeQuorumResponseData>(new DescribeQuorumRequestData
        {
            Topics = [new() { TopicName = "other", Partitions = [new() { PartitionIndex = 0 }] }],
        }, 2);

        Assert.That((ErrorCode)response.Topics[0].Partitions[0].ErrorCode, Is.EqualTo(ErrorCode.NotLeaderOrFollower));
        Assert.That((ErrorCode)unknown.Topics[0].Partitions[0].ErrorCode, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
    }

    [Test]
    public void TheFirstPreferredSuccessorStandsAtOnceAndTheNextAfterABackoff()
    {
        using var first = new RaftTestContext(1, [1, 2, 3]);
        using var second = new RaftTestContext(3, [1, 2, 3]);
        foreach (var context in new[] { first, second })
        {
            context.Initialize();
            context.Answer<BeginQuorumEpochResponseData>(BeginQuorumEpoch(leaderId: 2, epoch: 3), 1);
            context.Channel.DrainSent();
        }

        first.Answer<EndQuorumEpochResponseData>(EndQuorumEpoch(2, 3, 1, 3), 1);
        second.Answer<EndQuorumEpochResponseData>(EndQuorumEpoch(2, 3, 1, 3), 1);
        first.Poll();
        second.AdvanceAndPoll(second.Config.ElectionBackoffMaxMs / 2 - 1);

        Assert.That(first.Channel.DrainSent<VoteRequestData>().Count(v => v.Data.Topics[0].Partitions[0].PreVote), Is.EqualTo(2));
        Assert.That(second.Channel.DrainSent<VoteRequestData>(), Is.Empty);
        second.AdvanceAndPoll(1);
        Assert.That(second.Channel.DrainSent<VoteRequestData>(), Has.Count.EqualTo(2), "second of two successors: half of election.backoff.max.ms");
    }

    [Test]
    public void AGracefulShutdownResignsNamingTheMostCaughtUpVoterFirst()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.ElectLeader();
        context.Answer<FetchResponseData>(Fetch(2, 1, 0, 0), 17);
        context.Answer<FetchResponseData>(Fetch(3, 1, 1, 1), 17);
        context.Channel.DrainSent();

        var shutdown = context.Client.BeginShutdown(5000);
        context.Poll();

        var ends = context.Channel.DrainSent<EndQuorumEpochRequestData>();
        Assert.That(ends.Select(e => e.Request.DestinationId).Order(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(ends[0].Data.Topics[0].Partitions[0].PreferredCandidates.Select(c => c.CandidateId), Is.EqualTo(new[] { 3, 2 }));
        Assert.That(context.Listener.ShutdownBegun, Is.True);
        Assert.That(shutdown.IsCompleted, Is.False);

        context.Answer<BeginQuorumEpochResponseData>(BeginQuorumEpoch(leaderId: 3, epoch: 2), 1);
        context.Poll();
        Assert.That(shutdown.IsCompleted, Is.True);
        Assert.That(context.Client.IsShutdownComplete, Is.True);
    }

    [Test]
    public void AGracefulShutdownEndsAtItsTimeoutWithoutANewLeader()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.ElectLeader();

        var shutdown = context.Client.BeginShutdown(5000);
        context.AdvanceAndPoll(4999);
        Assert.That(shutdown.IsCompleted, Is.False);
        context.AdvanceAndPoll(1);

        Assert.That(shutdown.IsCompleted, Is.True);
    }

    [Test]
    public void ResignEndsTheEpochAndAnOlderEpochIsIgnored()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.ElectLeader();
        context.Channel.DrainSent();

        context.Client.Resign(0);
        context.Poll();
        Assert.That(context.Channel.DrainSent<EndQuorumEpochRequestData>(), Is.Empty);

        context.Client.Resign(1);
        context.Poll();
        Assert.That(context.Channel.DrainSent<EndQuorumEpochRequestData>(), Has.Count.EqualTo(2));
        Assert.Throws<NotLeaderException>(() => context.Client.ScheduleAppend(1, TestRecords.Values("late")));
    }

    [Test]
    public void ALeaderThatHearsFromNoMajorityResigns()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.ElectLeader();
        context.Channel.DrainSent();

        // Check quorum: 1.5 fetch timeouts without a fetch from a majority.
        context.AdvanceAndPoll(RaftTestContext.FetchTimeoutMs * 3 / 2);

        Assert.That(context.Channel.DrainSent<EndQuorumEpochRequestData>(), Has.Count.EqualTo(2));
        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(1, 1)), "resigned in its epoch, until another is elected");
    }

    [Test]
    public void AResignedLeaderWaitsOutItsEpochThenStandsInTheNext()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.ElectLeader();
        context.Client.Resign(1);
        context.Poll();
        context.Channel.DrainSent();

        context.AdvanceAndPoll(2 * RaftTestContext.ElectionTimeoutMs);

        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(null, 2)), "no longer naming itself leader");
        var preVotes = context.Channel.DrainSent<VoteRequestData>();
        Assert.That(preVotes.Select(v => (v.Data.Topics[0].Partitions[0].PreVote, v.Data.Topics[0].Partitions[0].CandidateEpoch)), Has.All.EqualTo((true, 3)));
    }

    [Test]
    public void AVoterWithoutALeaderWaitsForItsShutdownInsteadOfSpinning()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        context.Client.BeginShutdown(5000);
        context.Client.Poll();
        var timeoutMs = context.Client.Poll();

        Assert.That(timeoutMs, Is.EqualTo(5000));
    }
}
