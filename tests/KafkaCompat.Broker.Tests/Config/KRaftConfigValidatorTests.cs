using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

/// <summary>
/// Kafka 4.x's start-up rules for process.roles, node.id, controller.listener.names, listeners,
/// advertised.listeners and the controller quorum, with Kafka's messages (KafkaConfig.validateValues);
/// the expected texts are Kafka's, not this code's.
/// </summary>
public class KRaftConfigValidatorTests
{
    // Kafka's config/server.properties (KRaft, combined node), with its values.
    private static readonly (string, string)[] QuickStart =
    [
        ("process.roles", "broker,controller"),
        ("node.id", "1"),
        ("controller.quorum.bootstrap.servers", "localhost:9093"),
        ("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
        ("inter.broker.listener.name", "PLAINTEXT"),
        ("advertised.listeners", "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093"),
        ("controller.listener.names", "CONTROLLER"),
        ("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
        ("log.dirs", "/tmp/kraft-combined-logs"),
    ];

    private static BrokerConfig With(params (string Name, string Value)[] changes)
    {
        var configs = QuickStart.ToDictionary(c => c.Item1, c => c.Item2);
        foreach (var (name, value) in changes)
        {
            if (value.Length == 0)
            {
                configs.Remove(name);
            }
            else
            {
                configs[name] = value;
            }
        }
        return BrokerConfig.Create(configs);
    }

    private static string Refusal(params (string Name, string Value)[] changes)
    {
        var e = Assert.Throws<ConfigException>(() => With(changes))!;
        return e.Message;
    }

    [Test]
    public void Kafkas_quick_start_configuration_is_valid_and_advertises_only_the_broker_listener()
    {
        var config = With();

        Assert.That(config.ProcessRolesConfigured, Is.True);
        Assert.That(config.AdvertisedListeners.Select(e => e.ConnectionString), Is.EqualTo(new[] { "PLAINTEXT://localhost:9092" }),
            "clients never get the controller listener, though advertised.listeners names it (KIP-853)");
        Assert.That(config.AdvertisedControllerListeners.Select(e => e.ConnectionString), Is.EqualTo(new[] { "CONTROLLER://localhost:9093" }));
    }

    [Test]
    public void A_static_quorum_of_this_node_is_valid()
    {
        var config = With(("controller.quorum.bootstrap.servers", ""), ("controller.quorum.voters", "1@localhost:9093"));

        Assert.That(config.QuorumVoters.Keys, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void Neither_voters_nor_bootstrap_servers() =>
        Assert.That(Refusal(("controller.quorum.bootstrap.servers", "")), Is.EqualTo(
            "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers."));

    [Test]
    public void A_controller_must_be_one_of_the_voters() =>
        Assert.That(Refusal(("controller.quorum.bootstrap.servers", ""), ("controller.quorum.voters", "2@localhost:9093,3@localhost:9094")), Is.EqualTo(
            "requirement failed: If process.roles contains the 'controller' role, the node id 1 must be included in the set of voters controller.quorum.voters=Set(2, 3)"));

    [Test]
    public void A_controller_needs_its_controller_listener_among_the_listeners()
    {
        Assert.That(Refusal(("controller.listener.names", "")), Is.EqualTo(
            "requirement failed: controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role"));
        Assert.That(Refusal(("controller.listener.names", "CONTROLLER,OTHER"), ("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT")), Is.EqualTo(
            "requirement failed: controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role"));
    }

    [Test]
    public void A_broker_needs_a_broker_listener() =>
        Assert.That(Refusal(("listeners", "CONTROLLER://:9093"), ("advertised.listeners", "CONTROLLER://localhost:9093")), Is.EqualTo(
            "requirement failed: There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?"));

    [Test]
    public void A_broker_only_node_must_not_be_a_voter_nor_bind_the_controller_listener()
    {
        Assert.That(Refusal(("process.roles", "broker"), ("controller.quorum.bootstrap.servers", ""), ("controller.quorum.voters", "1@localhost:9093")), Is.EqualTo(
            "requirement failed: If process.roles contains just the 'broker' role, the node id 1 must not be included in the set of voters controller.quorum.voters=Set(1)"));
        Assert.That(Refusal(("process.roles", "broker")), Is.EqualTo(
            "requirement failed: controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role"));
        Assert.That(Refusal(("process.roles", "broker"), ("controller.listener.names", ""), ("listeners", "PLAINTEXT://:9092"), ("advertised.listeners", "PLAINTEXT://localhost:9092")), Is.EqualTo(
            "requirement failed: controller.listener.names must contain at least one value when running KRaft with just the broker role"));
    }

    [Test]
    public void A_broker_only_nodes_controller_listener_needs_a_security_mapping() =>
        Assert.That(Refusal(("process.roles", "broker"), ("listeners", "PLAINTEXT://:9092"), ("advertised.listeners", "PLAINTEXT://localhost:9092"),
                ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT")), Is.EqualTo(
            "Controller listener with name CONTROLLER defined in controller.listener.names not found in listener.security.protocol.map  (an explicit security mapping for each controller listener is required if listener.security.protocol.map is non-empty, or if there are security protocols other than PLAINTEXT in use)"));

    [Test]
    public void A_controller_only_node_binds_only_controller_listeners() =>
        Assert.That(Refusal(("process.roles", "controller"), ("advertised.listeners", "")), Is.EqualTo(
            "requirement failed: The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller"));

    [Test]
    public void A_controller_only_node_with_its_own_listener_is_valid()
    {
        var config = With(("process.roles", "controller"), ("listeners", "CONTROLLER://:9093"), ("advertised.listeners", ""), ("inter.broker.listener.name", ""));

        Assert.That(config.ProcessRoles, Is.EqualTo(new[] { "controller" }));
    }

    [Test]
    public void An_unknown_role_names_the_valid_ones() =>
        Assert.That(Refusal(("process.roles", "broker,zookeeper")), Does.Contain("process.roles").And.Contain("broker, controller"));

    [Test]
    public void A_malformed_voter_names_the_config() =>
        Assert.That(Refusal(("controller.quorum.voters", "1@localhost")), Does.StartWith("Invalid value 1@localhost for configuration controller.quorum.voters"));

    [Test]
    public void The_embedded_single_node_has_no_quorum_to_check()
    {
        var config = BrokerConfig.Create(new Dictionary<string, string> { ["listeners"] = "PLAINTEXT://localhost:9092" });

        Assert.That(config.ProcessRolesConfigured, Is.False, "process.roles comes from KafkaCompat's embedded default");
        Assert.That(config.ProcessRoles, Is.EqualTo(new[] { "broker", "controller" }));
    }
}
