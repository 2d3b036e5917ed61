using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft.Tests;

/// <summary>Observers: replicas outside controller.quorum.voters that fetch but never vote or stand.</summary>
public class RaftClientObserverTests
{
    [Test]
    public void AnObserverFindsTheLeaderThroughAVoterAndFollowsIt()
    {
        using var context = new RaftTestContext(7, [1, 2, 3]);
        context.Initialize();

        var (discovery, _) = context.Channel.DrainSent<FetchRequestData>().Single();
        Assert.That(discovery.DestinationId, Is.AnyOf(1, 2, 3));
        MockRaftChannel.Respond(discovery, RaftMessages.FetchResponse(new FetchResponseData.PartitionData
        {
            ErrorCode = (short)Protocol.ErrorCode.NotLeaderOrFollower,
            CurrentLeader = new() { LeaderId = 2, LeaderEpoch = 4 },
        }));
        context.Poll();

        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(2, 4)));
        var (fetch, data) = context.Channel.DrainSent<FetchRequestData>().Single();
        Assert.That((fetch.DestinationId, data.ReplicaState.ReplicaId), Is.EqualTo((2, 7)));
    }

    [Test]
    public void AnObserverNeverStands()
    {
        using var context = new RaftTestContext(7, [1, 2, 3]);
        context.Initialize();

        context.AdvanceAndPoll(10 * RaftTestContext.ElectionTimeoutMs);

        Assert.That(context.Channel.DrainSent<VoteRequestData>(), Is.Empty);
        Assert.That(context.Client.LeaderAndEpoch, Is.EqualTo(new LeaderAndEpoch(null, 0)));
    }

    [Test]
    public void AnObserverIsRefusedAVote()
    {
        using var context = new RaftTestContext(7, [1, 2, 3]);
        context.Initialize();

        var answer = RaftRequestBuilders.VotePartition(context.Answer<VoteResponseData>(RaftRequestBuilders.Vote(2, 1, 0, 0), 2));

        Assert.That(((Protocol.ErrorCode)answer.ErrorCode, answer.VoteGranted), Is.EqualTo((Protocol.ErrorCode.InconsistentVoterSet, false)));
    }
}
