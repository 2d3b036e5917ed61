namespace KafkaCompat.Raft.Tests;

/// <summary><c>controller.quorum.voters</c> and <c>controller.quorum.bootstrap.servers</c> as Kafka's QuorumConfig reads them.</summary>
public class QuorumConfigTests
{
    [Test]
    public void VotersAreIdAtHostPortEntries()
    {
        var voters = QuorumConfig.ParseVoters("1@localhost:9093, 2@127.0.0.1:9094,3@[::1]:9095");

        Assert.That(voters, Has.Count.EqualTo(3));
        Assert.That(voters[1], Is.EqualTo(new RaftEndpoint("localhost", 9093)));
        Assert.That(voters[2], Is.EqualTo(new RaftEndpoint("127.0.0.1", 9094)));
        Assert.That(voters[3], Is.EqualTo(new RaftEndpoint("::1", 9095)));
        Assert.That(voters[3].ToString(), Is.EqualTo("[::1]:9095"));
    }

    [Test]
    public void AnEmptyValueIsNoVoters()
    {
        Assert.That(QuorumConfig.ParseVoters(""), Is.Empty);
    }

    [TestCase("localhost:9093")]
    [TestCase("x@localhost:9093")]
    [TestCase("1@localhost")]
    [TestCase("1@localhost:port")]
    [TestCase("1@localhost:70000")]
    [TestCase("1@a:1,1@b:2")]
    public void AMalformedVoterIsRefused(string value)
    {
        Assert.Throws<FormatException>(() => QuorumConfig.ParseVoters(value));
    }

    [Test]
    public void BootstrapServersAreHostPortEntries()
    {
        Assert.That(QuorumConfig.ParseBootstrapServers("a:1, b:2"), Is.EqualTo(new[] { new RaftEndpoint("a", 1), new RaftEndpoint("b", 2) }));
    }

    [Test]
    public void DefaultsAreKafkas()
    {
        var config = new QuorumConfig();

        Assert.That((config.ElectionTimeoutMs, config.FetchTimeoutMs, config.ElectionBackoffMaxMs, config.AppendLingerMs, config.RequestTimeoutMs, config.RetryBackoffMs),
            Is.EqualTo((1000, 2000, 1000, 25, 2000, 20)));
    }
}
