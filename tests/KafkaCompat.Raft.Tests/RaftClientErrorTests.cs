using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Raft.Tests.RaftRequestBuilders;

namespace KafkaCompat.Raft.Tests;

/// <summary>The error codes of the Raft RPCs, as KafkaRaftClient answers them.</summary>
public class RaftClientErrorTests
{
    [Test]
    public void ARequestFromAnotherClusterIsRefusedAtTheTopLevel()
    {
        using var context = new RaftTestContext(1, [1]);
        context.Initialize();

        var vote = context.Answer<VoteResponseData>(Vote(2, 5, 0, 0, clusterId: "another-cluster"), 2);
        var fetch = context.Answer<FetchResponseData>(Fetch(2, 1, 0, 0, clusterId: "another-cluster"), 17);
        var withoutId = context.Answer<FetchResponseData>(Fetch(5, 1, 1, 1, clusterId: null), 17);

        Assert.That((ErrorCode)vote.ErrorCode, Is.EqualTo(ErrorCode.InconsistentClusterId));
        Assert.That((ErrorCode)fetch.ErrorCode, Is.EqualTo(ErrorCode.InconsistentClusterId));
        Assert.That((ErrorCode)withoutId.ErrorCode, Is.EqualTo(ErrorCode.None), "a request without a cluster id is not checked");
    }

    [Test]
    public void AVoteForAnOlderEpochIsFenced()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        context.Answer<BeginQuorumEpochResponseData>(BeginQuorumEpoch(leaderId: 2, epoch: 4), 1);

        var answer = VotePartition(context.Answer<VoteResponseData>(Vote(3, 3, 0, 0), 2));

        Assert.That(((ErrorCode)answer.ErrorCode, answer.LeaderEpoch, answer.LeaderId, answer.VoteGranted), Is.EqualTo((ErrorCode.FencedLeaderEpoch, 4, 2, false)));
    }

    [Test]
    public void AVoteFromOutsideTheStaticVotersIsAnInconsistentVoterSet()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        var answer = VotePartition(context.Answer<VoteResponseData>(Vote(9, 1, 0, 0), 2));

        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.InconsistentVoterSet));
    }

    [Test]
    public void AVoteWhoseLogHoldsTheCandidatesEpochIsInvalid()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();

        var answer = VotePartition(context.Answer<VoteResponseData>(Vote(2, 1, lastEpoch: 1, lastOffset: 5), 2));

        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
    }

    [Test]
    public void AVoteMeantForAnotherVoterIsAnInvalidVoterKey()
    {
        using var context = new RaftTestContext(1, [1, 2, 3]);
        context.Initialize();
        var request = Vote(2, 1, 0, 0);
        request.VoterId = 3;

        var answer = VotePartition(context.Answer<VoteResponseData>(request, 1));

        Assert.That((ErrorCode)answer.ErrorCode, Is.EqualTo(ErrorCode.InvalidVoterKey));
    }

    [Test]
    public void AFetchIsFencedBelowTheEpochUnknownAboveItAndNotForAFollower()
    {
        using var leader = new RaftTestContext(1, [1]);
        leader.Initialize();
        using var follower = new RaftTestContext(1, [1, 2, 3]);
        follower.Initialize();
        follower.Answer<BeginQuorumEpochResponseData>(BeginQuorumEpoch(leaderId: 2, epoch: 1), 1);

        Assert.That((ErrorCode)FetchPartition(leader.Answer<FetchResponseData>(Fetch(5, 0, 0, 0), 17)).ErrorCode, Is.EqualTo(ErrorCode.FencedLeaderEpoch));
        Assert.That((ErrorCode)FetchPartition(leader.Answer<FetchResponseData>(Fetch(5, 2, 0, 0), 17)).ErrorCode, Is.EqualTo(ErrorCode.UnknownLeaderEpoch));
        var notLeader = FetchPartition(follower.Answer<FetchResponseData>(Fetch(5, 1, 0, 0), 17));
        Assert.That(((ErrorCode)notLeader.ErrorCode, notLeader.CurrentLeader.LeaderId, notLeader.CurrentLeader.LeaderEpoch), Is.EqualTo((ErrorCode.NotLeaderOrFollower, 2, 1)));
    }

    [Test]
    public void AFetchWithALastEpochAboveItsLeaderEpochIsInvalid()
    {
        using var context = new RaftTestContext(1, [1]);
        context.Initialize();

        Assert.That((ErrorCode)FetchPartition(context.Answer<FetchResponseData>(Fetch(5, 1, 0, 2), 17)).ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
    }

    [Test]
    public void AFetchForAnotherPartitionIsAnInvalidRequest()
    {
        using var context = new RaftTestContext(1, [1]);
        context.Initialize();
        var request = Fetch(5, 1, 0, 0);
        request.Topics[0].Topic = "other";
        request.Topics[0].TopicId = Uuid.NewRandom();

        Assert.That((ErrorCode)context.Answer<FetchResponseData>(request, 17).ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
    }

    [Test]
    public void VoterChangesAreUnsupportedUnderAStaticQuorum()
    {
        using var leader = new RaftTestContext(1, [1]);
        leader.Initialize();
        using var other = new RaftTestContext(1, [1, 2, 3]);
        other.Initialize();

        var add = leader.Answer<AddRaftVoterResponseData>(new AddRaftVoterRequestData { ClusterId = RaftTestContext.ClusterId, VoterId = 4 }, 0);
        var remove = leader.Answer<RemoveRaftVoterResponseData>(new RemoveRaftVoterRequestData { ClusterId = RaftTestContext.ClusterId, VoterId = 1 }, 0);
        var notLeader = other.Answer<AddRaftVoterResponseData>(new AddRaftVoterRequestData { ClusterId = RaftTestContext.ClusterId, VoterId = 4 }, 0);

        Assert.That((ErrorCode)add.ErrorCode, Is.EqualTo(ErrorCode.UnsupportedVersion));
        Assert.That((ErrorCode)remove.ErrorCode, Is.EqualTo(ErrorCode.UnsupportedVersion));
        Assert.That((ErrorCode)notLeader.ErrorCode, Is.EqualTo(ErrorCode.NotLeaderOrFollower));
    }
}
