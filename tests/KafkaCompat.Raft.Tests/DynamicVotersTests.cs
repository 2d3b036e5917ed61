using KafkaCompat.Protocol;

namespace KafkaCompat.Raft.Tests;

public class DynamicVotersTests
{
    [Test]
    public void Parses_kafkas_initial_controllers_example()
    {
        // The example of kafka-storage format --help.
        var voters = DynamicVoters.Parse("0@example.com:8082:JEXY6aqzQY-32P5TStzaFg,1@example.com:8083:MvDxzVmcRsaTz33bUuRU6A,2@[::1]:8084:07R5amHmR32VDA6jHkGbTA");

        Assert.That(voters.Voters.Keys, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(voters.Voters[0], Is.EqualTo(new DynamicVoter(0, "example.com", 8082, Uuid.Parse("JEXY6aqzQY-32P5TStzaFg"))));
        Assert.That(voters.Voters[2].Host, Is.EqualTo("::1"));
        Assert.That(voters.ToString(), Is.EqualTo("0@example.com:8082:JEXY6aqzQY-32P5TStzaFg,1@example.com:8083:MvDxzVmcRsaTz33bUuRU6A,2@[::1]:8084:07R5amHmR32VDA6jHkGbTA"));
    }

    [TestCase("localhost:8082:JEXY6aqzQY-32P5TStzaFg", "No @ found in dynamic voter string.")]
    [TestCase("@localhost:8082:JEXY6aqzQY-32P5TStzaFg", "Invalid @ at beginning of dynamic voter string.")]
    [TestCase("x@localhost:8082:JEXY6aqzQY-32P5TStzaFg", "Failed to parse node id in dynamic voter string.")]
    [TestCase("-1@localhost:8082:JEXY6aqzQY-32P5TStzaFg", "Invalid negative node id -1 in dynamic voter string.")]
    [TestCase("1@", "No hostname found after node id.")]
    [TestCase("1@[::1:8082:JEXY6aqzQY-32P5TStzaFg", "Hostname began with left bracket, but no right bracket was found.")]
    [TestCase("1@localhost", "No colon following hostname could be found.")]
    [TestCase("1@localhost:8082", "No colon following port could be found.")]
    [TestCase("1@localhost:99999:JEXY6aqzQY-32P5TStzaFg", "Invalid port 99999 in dynamic voter string.")]
    [TestCase("1@localhost:8082:nope", "Failed to parse directory ID in dynamic voter string.")]
    [TestCase("1@localhost:8082:JEXY6aqzQY-32P5TStzaFg,1@localhost:8083:MvDxzVmcRsaTz33bUuRU6A", "Node id 1 was specified more than once.")]
    [TestCase(",", "No voters given.")]
    public void Refuses_with_kafkas_messages(string input, string message) =>
        Assert.That(() => DynamicVoters.Parse(input), Throws.ArgumentException.With.Message.EqualTo(message));

    [Test]
    public void A_voter_becomes_a_kraft_voters_record_entry_on_the_controller_listener()
    {
        var record = DynamicVoters.Parse("3@localhost:9093:JEXY6aqzQY-32P5TStzaFg").ToVotersRecord("CONTROLLER");

        var voter = record.Voters.Single();
        Assert.That((voter.VoterId, voter.VoterDirectoryId.ToString()), Is.EqualTo((3, "JEXY6aqzQY-32P5TStzaFg")));
        Assert.That(voter.Endpoints.Select(e => (e.Name, e.Host, (int)e.Port)), Is.EqualTo(new[] { ("CONTROLLER", "localhost", 9093) }));
        Assert.That((voter.KRaftVersionFeature.MinSupportedVersion, voter.KRaftVersionFeature.MaxSupportedVersion), Is.EqualTo(((short)0, (short)1)));
    }
}
