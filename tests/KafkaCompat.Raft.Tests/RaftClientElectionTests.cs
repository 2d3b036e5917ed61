using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Raft.Tests.RaftRequestBuilders;

namespace KafkaCompat.Raft.Tests;

/// <summary>Elections (KIP-595, KIP-996 pre-vote), as KafkaRaftClientTest's election cases.</summary>
public class RaftClientElectionTests
{
    [Test]
    public void ASingleVoterElectsItselfAndCommitsItsLeaderChange()
    {
        using var context = new RaftTestContext(1, [1]);

        context.Initialize();

        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(1, 1)));
        Assert.That(context.PersistedState, Is.EqualTo(ElectionState.WithElectedLeader(1, 1, ReplicaKey.Of(1))));
        var leaderChange = context.Log.Batches.Single();
        Assert.That((leaderChange.IsControl, leaderChange.BaseOffset, leaderChange.PartitionLeaderEpoch), Is.EqualTo((true, 0L, 1)));
        Assert.That((context.Log.HighWatermark, context.Client.HighWatermark), Is.EqualTo((1L, 1L)));
        Assert.That(context.Listener.LeaderChanges, Is.EqualTo(new[] { new LeaderAndEpoch(1, 1) }));
        Assert.That(context.Listener.Commits, Is.Empty, "the LeaderChange control record is Raft's own");
    }

    [Test]
    public void AVoterStandsThroughAPreVoteWithoutBumpingItsEpoch()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        context.AdvanceAndPoll(2 * RaftTestContext.ElectionTimeoutMs);

        var preVotes = context.Channel.DrainSent<VoteRequestData>();
        Assert.That(preVotes.Select(v => v.Request.DestinationId).Order(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(preVotes.Select(v => (v.Data.Topics[0].Partitions[0].PreVote, v.Data.Topics[0].Partitions[0].CandidateEpoch)), Has.All.EqualTo((true, 1)));
        Assert.That(context.Client.LeaderAndEpoch.Epoch, Is.Zero);
        Assert.That(context.PersistedState, Is.EqualTo(ElectionState.WithUnknownLeader(0)));
    }

    [Test]
    public void ThreeVotersElectTheCandidateTheyGrant()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.AdvanceAndPoll(2 * RaftTestContext.ElectionTimeoutMs);

        // One pre-vote grant and its own make a majority of three: it stands in epoch 1.
        var (preVote, _) = context.Channel.DrainSent<VoteRequestData>().First(v => v.Request.DestinationId == 2);
        MockRaftChannel.Respond(preVote, RaftMessages.VoteResponse(ErrorCode.None, 0, -1, true));
        context.Poll();
        Assert.That(context.PersistedState, Is.EqualTo(ElectionState.WithVotedCandidate(1, ReplicaKey.Of(1))));

        var votes = context.Channel.DrainSent<VoteRequestData>();
        Assert.That(votes.Select(v => (v.Data.Topics[0].Partitions[0].PreVote, v.Data.Topics[0].Partitions[0].CandidateEpoch)), Has.All.EqualTo((false, 1)));
        MockRaftChannel.Respond(votes.First(v => v.Request.DestinationId == 3).Request, RaftMessages.VoteResponse(ErrorCode.None, 1, -1, true));
        context.Poll();

        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(1, 1)));
        var begins = context.Channel.DrainSent<BeginQuorumEpochRequestData>();
        Assert.That(begins.Select(b => b.Request.DestinationId).Order(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(begins.Select(b => b.Data.Topics[0].Partitions[0].LeaderEpoch), Has.All.EqualTo(1));
        Assert.That(context.Log.Batches.Single().IsControl, Is.True);
        Assert.That(context.Log.HighWatermark, Is.Zero, "nothing is committed until a follower has the LeaderChange record");
    }

    [Test]
    public void AVoterGrantsAnUpToDateCandidateOnceAndPersistsTheVoteFirst()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        var granted = context.Answer<VoteResponseData>(Vote(2, epoch: 2, lastEpoch: 0, lastOffset: 0), 2);

        Assert.That(VotePartition(granted).VoteGranted, Is.True);
        Assert.That(VotePartition(granted).LeaderEpoch, Is.EqualTo(2));
        Assert.That(context.PersistedState, Is.EqualTo(ElectionState.WithVotedCandidate(2, ReplicaKey.Of(2))));
    }

    [Test]
    public void AVoteIsRefusedToACandidateWithAShorterLog()
    {
        var log = new MemoryRaftLog();
        TestRecords.Fill(log, (1, ["a", "b"]), (1, ["c"]));
        using var context = new RaftTestContext(1, [1, 2, 3], log);
        context.Initialize();

        var sameEpochShorter = context.Answer<VoteResponseData>(Vote(2, epoch: 2, lastEpoch: 1, lastOffset: 2), 2);
        var olderEpochLonger = context.Answer<VoteResponseData>(Vote(3, epoch: 2, lastEpoch: 0, lastOffset: 10), 2);

        Assert.That(VotePartition(sameEpochShorter).VoteGranted, Is.False);
        Assert.That(VotePartition(olderEpochLonger).VoteGranted, Is.False, "the last epoch is compared first");
        Assert.That(context.PersistedState!.VotedKey, Is.Null);
        var upToDate = context.Answer<VoteResponseData>(Vote(3, epoch: 2, lastEpoch: 1, lastOffset: 3), 2);
        Assert.That(VotePartition(upToDate).VoteGranted, Is.True);
    }

    [Test]
    public void ASecondCandidateInTheSameEpochIsRefused()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.Answer<VoteResponseData>(Vote(2, epoch: 2, lastEpoch: 0, lastOffset: 0), 2);

        var second = context.Answer<VoteResponseData>(Vote(3, epoch: 2, lastEpoch: 0, lastOffset: 0), 2);

        Assert.That(VotePartition(second).VoteGranted, Is.False);
        Assert.That(context.PersistedState!.VotedKey, Is.EqualTo(ReplicaKey.Of(2)));
    }

    [Test]
    public void AVoteCastBeforeARestartIsStillTheOnlyVoteOfItsEpoch()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.Answer<VoteResponseData>(Vote(2, epoch: 2, lastEpoch: 0, lastOffset: 0), 2);

        context.Restart();

        Assert.That(VotePartition(context.Answer<VoteResponseData>(Vote(3, epoch: 2, lastEpoch: 0, lastOffset: 0), 2)).VoteGranted, Is.False);
        Assert.That(VotePartition(context.Answer<VoteResponseData>(Vote(2, epoch: 2, lastEpoch: 0, lastOffset: 0), 2)).VoteGranted, Is.True, "the candidate voted for, retrying");
    }

    [Test]
    public void APreVoteIsAnsweredWithoutBumpingTheEpochOrRecordingAVote()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        var before = File.ReadAllText(context.StatePath);

        var answer = context.Answer<VoteResponseData>(Vote(2, epoch: 5, lastEpoch: 0, lastOffset: 0, preVote: true), 2);

        Assert.That(VotePartition(answer).VoteGranted, Is.True);
        Assert.That(context.Client.LeaderAndEpoch.Epoch, Is.Zero);
        Assert.That(File.ReadAllText(context.StatePath), Is.EqualTo(before));
        Assert.That(VotePartition(context.Answer<VoteResponseData>(Vote(3, epoch: 1, lastEpoch: 0, lastOffset: 0), 2)).VoteGranted, Is.True, "no vote was cast");
    }

    [Test]
    public void AFollowerThatHearsFromItsLeaderRefusesAPreVote()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        var (fetch, _) = context.FollowAndFetch(leaderId: 2, epoch: 3);
        MockRaftChannel.Respond(fetch, RaftMessages.FetchResponse(new FetchResponseData.PartitionData { HighWatermark = 0, CurrentLeader = new() { LeaderId = 2, LeaderEpoch = 3 } }));
        context.Poll();

        var answer = context.Answer<VoteResponseData>(Vote(3, epoch: 4, lastEpoch: 0, lastOffset: 0, preVote: true), 2);

        Assert.That(VotePartition(answer).VoteGranted, Is.False);
        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(2, 3)));
    }

    [Test]
    public void AFollowerWhoseFetchesTimeOutStandsThroughAPreVote()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.Answer<BeginQuorumEpochResponseData>(BeginQuorumEpoch(leaderId: 2, epoch: 3), 1);
        context.Channel.DrainSent();

        context.AdvanceAndPoll(RaftTestContext.FetchTimeoutMs);

        var preVotes = context.Channel.DrainSent<VoteRequestData>();
        Assert.That(preVotes.Select(v => v.Request.DestinationId).Order(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(preVotes.All(v => v.Data.Topics[0].Partitions[0].PreVote), Is.True);
        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(2, 3)), "still epoch 3, leader remembered");
    }

    [Test]
    public void ALostElectionBacksOffBeforeStandingAgain()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.AdvanceAndPoll(2 * RaftTestContext.ElectionTimeoutMs);
        context.GrantAllVotes();
        context.Poll();
        foreach (var (request, _) in context.Channel.DrainSent<VoteRequestData>())
        {
            MockRaftChannel.Respond(request, RaftMessages.VoteResponse(ErrorCode.None, 1, -1, false));
        }
        context.Poll();

        // Backing off (at most election.backoff.max.ms): no new votes yet.
        context.Poll();
        Assert.That(context.Channel.DrainSent<VoteRequestData>(), Is.Empty);
        Assert.That(context.Client.LeaderAndEpoch.Epoch, Is.EqualTo(1));
        context.AdvanceAndPoll(context.Config.ElectionBackoffMaxMs);
        var preVotes = context.Channel.DrainSent<VoteRequestData>();
        Assert.That(preVotes, Has.Count.EqualTo(2));
        Assert.That(preVotes.All(v => v.Data.Topics[0].Partitions[0].PreVote && v.Data.Topics[0].Partitions[0].CandidateEpoch == 2), Is.True);
    }

    [Test]
    public void AFormerLeaderRestartsResignedAndElectsAnotherEpoch()
    {
        using var context = new RaftTestContext(1, [1]);
        context.Initialize();

        context.Restart();

        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(1, 2)), "a lone voter cannot lead epoch 1 again: it may have lost unflushed records of it");
    }
}
