using KafkaCompat.Protocol;

namespace KafkaCompat.Raft.Tests;

/// <summary>The quorum-state file in Kafka's JSON (FileQuorumStateStore's documented examples), data_version 0 and 1.</summary>
public class FileQuorumStateStoreTests
{
    [Test]
    public void Version0IsWrittenAsKafkaWritesIt()
    {
        using var dir = new TempDirectory();
        var store = new FileQuorumStateStore(dir.File("quorum-state"), [3, 1, 2]);

        store.WriteElectionState(ElectionState.WithElectedLeader(2, 1), kraftVersion: 0);

        Assert.That(File.ReadAllText(dir.File("quorum-state")),
            Is.EqualTo("""{"clusterId":"","leaderId":1,"leaderEpoch":2,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0}"""));
        Assert.That(File.Exists(dir.File("quorum-state.tmp")), Is.False);
    }

    [Test]
    public void Version1IsReadFromKafkasFormat()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("quorum-state"), """{"leaderId":-1,"leaderEpoch":2,"votedId":1,"votedDirectoryId":"J8aAPcfLQt2bqs1JT_rMgQ","data_version":1}""" + "\n");
        var store = new FileQuorumStateStore(dir.File("quorum-state"), []);

        Assert.That(store.ReadElectionState(), Is.EqualTo(new ElectionState(2, null, new ReplicaKey(1, Uuid.Parse("J8aAPcfLQt2bqs1JT_rMgQ")))));
    }

    [Test]
    public void Version1IsWrittenWithTheVotedDirectoryAndWithoutVoters()
    {
        using var dir = new TempDirectory();
        var store = new FileQuorumStateStore(dir.File("quorum-state"), [1, 2]);

        store.WriteElectionState(ElectionState.WithVotedCandidate(2, new ReplicaKey(1, Uuid.Parse("J8aAPcfLQt2bqs1JT_rMgQ"))), kraftVersion: 1);

        Assert.That(File.ReadAllText(dir.File("quorum-state")),
            Is.EqualTo("""{"leaderId":-1,"leaderEpoch":2,"votedId":1,"votedDirectoryId":"J8aAPcfLQt2bqs1JT_rMgQ","data_version":1}"""));
    }

    [Test]
    public void Version0KeepsTheVoteAndTheLeaderAcrossAReopen()
    {
        using var dir = new TempDirectory();
        new FileQuorumStateStore(dir.File("quorum-state"), [1, 2, 3]).WriteElectionState(ElectionState.WithElectedLeader(7, 2, ReplicaKey.Of(2)), 0);

        var read = new FileQuorumStateStore(dir.File("quorum-state"), [1, 2, 3]).ReadElectionState();

        Assert.That(read, Is.EqualTo(new ElectionState(7, 2, ReplicaKey.Of(2))));
    }

    [Test]
    public void NoFileIsNoState()
    {
        using var dir = new TempDirectory();

        Assert.That(new FileQuorumStateStore(dir.File("quorum-state"), []).ReadElectionState(), Is.Null);
    }

    [TestCase("""{"leaderId":1,"leaderEpoch":2,"votedId":-1}""")]
    [TestCase("""{"leaderId":1,"leaderEpoch":2,"votedId":-1,"data_version":2}""")]
    [TestCase("[1]")]
    [TestCase("{not json")]
    public void AFileKafkaWouldRefuseIsRefused(string content)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("quorum-state"), content);

        Assert.Throws<InvalidDataException>(() => new FileQuorumStateStore(dir.File("quorum-state"), []).ReadElectionState());
    }

    [Test]
    public void ClearDeletesTheFile()
    {
        using var dir = new TempDirectory();
        var store = new FileQuorumStateStore(dir.File("quorum-state"), [1]);
        store.WriteElectionState(ElectionState.WithUnknownLeader(1), 0);

        store.Clear();

        Assert.That(store.ReadElectionState(), Is.Null);
    }
}
