namespace KafkaCompat.Raft.Tests;

/// <summary>QuorumState's transitions and the rules it persists (KIP-595, KIP-996), with the state read back from a quorum-state file.</summary>
public class QuorumStateTests
{
    private static readonly IReadOnlyDictionary<int, RaftEndpoint> ThreeVoters = new Dictionary<int, RaftEndpoint>
    {
        [1] = new("localhost", 9091),
        [2] = new("localhost", 9092),
        [3] = new("localhost", 9093),
    };

    private static QuorumState NewState(string path, int localId = 1) =>
        new(localId, ThreeVoters, new FileQuorumStateStore(path, ThreeVoters.Keys), new QuorumConfig { Voters = ThreeVoters }, new Random(1));

    [Test]
    public void AFreshVoterStartsUnattachedInEpochZero()
    {
        using var dir = new TempDirectory();
        var quorum = NewState(dir.File("quorum-state"));

        quorum.Initialize(new OffsetAndEpoch(0, 0), 0);

        Assert.That((quorum.IsUnattached, quorum.Epoch, quorum.LeaderId), Is.EqualTo((true, 0, (int?)null)));
    }

    [Test]
    public void AVoteCastSurvivesARestartAndASecondCandidateIsRefused()
    {
        using var dir = new TempDirectory();
        var quorum = NewState(dir.File("quorum-state"));
        quorum.Initialize(new OffsetAndEpoch(0, 0), 0);
        quorum.TransitionToUnattached(3, null, 0);
        quorum.UnattachedAddVotedState(3, ReplicaKey.Of(2), 0);

        var restarted = NewState(dir.File("quorum-state"));
        restarted.Initialize(new OffsetAndEpoch(0, 0), 0);

        Assert.That(restarted.VotedKey, Is.EqualTo(ReplicaKey.Of(2)));
        Assert.That(restarted.CanGrantVote(ReplicaKey.Of(3), isLogUpToDate: true, isPreVote: false), Is.False);
        Assert.That(restarted.CanGrantVote(ReplicaKey.Of(2), isLogUpToDate: true, isPreVote: false), Is.True, "the same candidate's retry");
    }

    [Test]
    public void AFormerLeaderComesBackResignedAndGrantsNoVoteInItsEpoch()
    {
        using var dir = new TempDirectory();
        new FileQuorumStateStore(dir.File("quorum-state"), ThreeVoters.Keys).WriteElectionState(ElectionState.WithElectedLeader(4, 1, ReplicaKey.Of(1)), 0);
        var quorum = NewState(dir.File("quorum-state"));

        quorum.Initialize(new OffsetAndEpoch(10, 4), 0);

        Assert.That((quorum.IsResigned, quorum.Epoch), Is.EqualTo((true, 4)));
        Assert.That(quorum.CanGrantVote(ReplicaKey.Of(2), true, false), Is.False);
        Assert.That(quorum.CanGrantVote(ReplicaKey.Of(2), true, true), Is.False);
    }

    [Test]
    public void ALogNewerThanTheFileWinsTheEpoch()
    {
        using var dir = new TempDirectory();
        new FileQuorumStateStore(dir.File("quorum-state"), ThreeVoters.Keys).WriteElectionState(ElectionState.WithElectedLeader(2, 2), 0);
        var quorum = NewState(dir.File("quorum-state"));

        quorum.Initialize(new OffsetAndEpoch(10, 5), 0);

        Assert.That((quorum.IsUnattached, quorum.Epoch), Is.EqualTo((true, 5)));
    }

    [Test]
    public void AProspectiveKeepsItsEpochAndWritesNothing()
    {
        using var dir = new TempDirectory();
        var quorum = NewState(dir.File("quorum-state"));
        quorum.Initialize(new OffsetAndEpoch(0, 0), 0);
        quorum.TransitionToUnattached(2, null, 0);
        var before = File.ReadAllText(dir.File("quorum-state"));

        quorum.TransitionToProspective(0);

        Assert.That((quorum.IsProspective, quorum.Epoch), Is.EqualTo((true, 2)));
        Assert.That(File.ReadAllText(dir.File("quorum-state")), Is.EqualTo(before));
    }

    [Test]
    public void ACandidateBumpsTheEpochAndPersistsItsVoteForItself()
    {
        using var dir = new TempDirectory();
        var quorum = NewState(dir.File("quorum-state"));
        quorum.Initialize(new OffsetAndEpoch(0, 0), 0);
        quorum.TransitionToProspective(0);

        quorum.TransitionToCandidate(0);

        Assert.That((quorum.IsCandidate, quorum.Epoch), Is.EqualTo((true, 1)));
        Assert.That(new FileQuorumStateStore(dir.File("quorum-state"), []).ReadElectionState(), Is.EqualTo(ElectionState.WithVotedCandidate(1, ReplicaKey.Of(1))));
    }

    [Test]
    public void OnlyAProspectiveMayStand()
    {
        using var dir = new TempDirectory();
        var quorum = NewState(dir.File("quorum-state"));
        quorum.Initialize(new OffsetAndEpoch(0, 0), 0);

        Assert.Throws<InvalidOperationException>(() => quorum.TransitionToCandidate(0));
    }

    [Test]
    public void AFollowerRefusesAPreVoteOnceItHasHeardFromItsLeader()
    {
        using var dir = new TempDirectory();
        var quorum = NewState(dir.File("quorum-state"));
        quorum.Initialize(new OffsetAndEpoch(0, 0), 0);
        quorum.TransitionToFollower(1, 2, ThreeVoters[2], 0);

        Assert.That(quorum.CanGrantVote(ReplicaKey.Of(3), true, isPreVote: true), Is.True, "not heard from the leader yet");
        quorum.FollowerStateOrThrow().ResetFetchTimeoutForSuccessfulFetch(10);
        Assert.That(quorum.CanGrantVote(ReplicaKey.Of(3), true, isPreVote: true), Is.False);
        Assert.That(quorum.CanGrantVote(ReplicaKey.Of(3), true, isPreVote: false), Is.False);
    }

    [Test]
    public void AnElectionIsWonByAMajorityAndLostWhenNoneIsLeft()
    {
        var election = new EpochElection([1, 2, 3, 4, 5]);
        election.RecordVote(1, true);
        election.RecordVote(2, true);
        Assert.That((election.IsVoteGranted, election.IsVoteRejected), Is.EqualTo((false, false)));
        election.RecordVote(3, false);
        election.RecordVote(4, false);
        Assert.That((election.IsVoteGranted, election.IsVoteRejected), Is.EqualTo((false, false)));
        election.RecordVote(5, false);
        Assert.That((election.IsVoteGranted, election.IsVoteRejected), Is.EqualTo((false, true)));
    }

    [Test]
    public void TheElectionTimeoutIsBetweenOnceAndTwiceTheSetting()
    {
        using var dir = new TempDirectory();
        var quorum = NewState(dir.File("quorum-state"));

        var timeouts = Enumerable.Range(0, 200).Select(_ => quorum.RandomElectionTimeoutMs()).ToList();

        Assert.That(timeouts, Has.All.InRange(1000L, 1999L));
        Assert.That(timeouts.Distinct().Count(), Is.GreaterThan(1));
    }
}
