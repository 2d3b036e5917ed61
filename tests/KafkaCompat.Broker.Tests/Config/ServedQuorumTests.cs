using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

/// <summary>
/// Until the KRaft quorum is wired, a node runs only as a combined node that is its own single voter;
/// a configuration asking for more must stop start-up rather than run as a cluster of one.
/// </summary>
public class ServedQuorumTests
{
    private static BrokerConfig With(params (string Name, string Value)[] configs) =>
        BrokerConfig.Create(configs.ToDictionary(c => c.Name, c => c.Value));

    private static readonly (string, string)[] Combined =
    [
        ("process.roles", "broker,controller"),
        ("node.id", "1"),
        ("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
        ("controller.listener.names", "CONTROLLER"),
    ];

    [Test]
    public void Several_voters_are_refused_with_or_without_process_roles()
    {
        var withRoles = With([.. Combined, ("controller.quorum.voters", "1@localhost:9093,2@localhost:9094,3@localhost:9095")]);
        var embedded = With(("controller.quorum.voters", "1@localhost:9093,2@localhost:9094"));

        Assert.That(() => ServedQuorum.EnsureServed(withRoles), Throws.TypeOf<ConfigException>()
            .With.Message.Contains("controller.quorum.voters names 3 voters (1,2,3)"));
        Assert.That(() => ServedQuorum.EnsureServed(embedded), Throws.TypeOf<ConfigException>()
            .With.Message.Contains("controller.quorum.voters names 2 voters (1,2)"));
    }

    [Test]
    public void A_single_voter_on_another_node_is_refused() =>
        Assert.That(() => ServedQuorum.EnsureServed(With(("controller.quorum.voters", "2@localhost:9093"))), Throws.TypeOf<ConfigException>()
            .With.Message.Contains("names voter 2 only"));

    [TestCase("broker")]
    [TestCase("controller")]
    public void A_node_of_one_role_is_refused(string role)
    {
        var config = role == "broker"
            ? With(("process.roles", "broker"), ("controller.quorum.voters", "2@localhost:9093"), ("controller.listener.names", "CONTROLLER"))
            : With(("process.roles", "controller"), ("controller.quorum.voters", "1@localhost:9093"), ("listeners", "CONTROLLER://:9093"), ("controller.listener.names", "CONTROLLER"));

        Assert.That(() => ServedQuorum.EnsureServed(config), Throws.TypeOf<ConfigException>()
            .With.Message.Contains($"process.roles={role} needs controllers and brokers on other nodes"));
    }

    [Test]
    public void A_combined_node_that_is_its_own_voter_and_the_embedded_default_are_served()
    {
        Assert.DoesNotThrow(() => ServedQuorum.EnsureServed(With([.. Combined, ("controller.quorum.voters", "1@localhost:9093")])));
        Assert.DoesNotThrow(() => ServedQuorum.EnsureServed(With([.. Combined, ("controller.quorum.bootstrap.servers", "localhost:9093")])));
        Assert.DoesNotThrow(() => ServedQuorum.EnsureServed(BrokerConfig.Default));
    }
}
