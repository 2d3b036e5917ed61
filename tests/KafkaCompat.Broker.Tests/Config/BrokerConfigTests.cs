using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class BrokerConfigTests
{
    private static BrokerConfig With(params (string Name, string Value)[] configs) =>
        BrokerConfig.Create(configs.ToDictionary(c => c.Name, c => c.Value));

    [Test]
    public void Retention_ms_beats_minutes_beats_hours()
    {
        Assert.Multiple(() =>
        {
            Assert.That(With(("log.retention.hours", "1")).LogRetentionMs, Is.EqualTo(3_600_000));
            Assert.That(With(("log.retention.hours", "1"), ("log.retention.minutes", "2")).LogRetentionMs, Is.EqualTo(120_000));
            Assert.That(With(("log.retention.hours", "1"), ("log.retention.minutes", "2"), ("log.retention.ms", "5")).LogRetentionMs, Is.EqualTo(5));
            Assert.That(With(("log.retention.minutes", "3")).LogRetentionMs, Is.EqualTo(180_000));
        });
    }

    [TestCase("log.retention.ms", "-1")]
    [TestCase("log.retention.ms", "-5")]
    [TestCase("log.retention.hours", "-1")]
    [TestCase("log.retention.minutes", "-1")]
    public void Negative_retention_means_unlimited(string name, string value) =>
        Assert.That(With((name, value)).LogRetentionMs, Is.EqualTo(-1));

    [Test]
    public void Roll_ms_beats_roll_hours()
    {
        Assert.That(With(("log.roll.hours", "2")).LogRollMs, Is.EqualTo(7_200_000));
        Assert.That(With(("log.roll.hours", "2"), ("log.roll.ms", "1000")).LogRollMs, Is.EqualTo(1000));
    }

    [Test]
    public void Named_listeners_with_a_protocol_map()
    {
        var config = With(
            ("listeners", "internal://:9092,EXTERNAL://0.0.0.0:19092"),
            ("advertised.listeners", "INTERNAL://kafka:9092,EXTERNAL://localhost:19092"),
            ("listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL"),
            ("inter.broker.listener.name", "INTERNAL"));

        Assert.That(config.Listeners, Is.EqualTo(new[]
        {
            new Endpoint("INTERNAL", "", 9092, SecurityProtocol.Plaintext),
            new Endpoint("EXTERNAL", "0.0.0.0", 19092, SecurityProtocol.SaslSsl),
        }));
        Assert.That(config.AdvertisedListeners.Select(e => e.ConnectionString), Is.EqualTo(new[] { "INTERNAL://kafka:9092", "EXTERNAL://localhost:19092" }));
        Assert.That(config.InterBrokerListenerName, Is.EqualTo("INTERNAL"));
    }

    [Test]
    public void IPv6_hosts_are_bracketed_in_the_config_and_bare_in_the_endpoint()
    {
        var config = With(("listeners", "PLAINTEXT://[::1]:9092"));

        Assert.That(config.Listeners.Single().Host, Is.EqualTo("::1"));
        Assert.That(config.Listeners.Single().ConnectionString, Is.EqualTo("PLAINTEXT://[::1]:9092"));
    }

    [Test]
    public void Empty_host_binds_everywhere_and_advertises_the_host_name()
    {
        var config = With(("listeners", "PLAINTEXT://:9092"));

        Assert.That(config.Listeners.Single().Host, Is.Empty);
        Assert.That(config.AdvertisedListeners.Single().Host, Is.Not.Empty);
    }

    [Test]
    public void Listener_missing_from_the_protocol_map_is_an_error_like_Kafka() =>
        Assert.That(() => With(("listeners", "CLIENT://:9092")),
            Throws.TypeOf<ConfigException>().With.Message.Contains("No security protocol defined for listener CLIENT"));

    [Test]
    public void Advertising_0_0_0_0_is_an_error_like_Kafka() =>
        Assert.That(() => With(("listeners", "PLAINTEXT://0.0.0.0:9092")),
            Throws.TypeOf<ConfigException>().With.Message.Contains("cannot use the nonroutable meta-address 0.0.0.0"));

    [Test]
    public void Advertised_listener_must_be_a_listener() =>
        Assert.That(() => With(("advertised.listeners", "SSL://host:9093")),
            Throws.TypeOf<ConfigException>().With.Message.Contains("must be equal to or a subset of the ones defined in listeners"));

    [TestCase("PLAINTEXT://localhost")]
    [TestCase("localhost:9092")]
    [TestCase("PLAINTEXT://localhost:notaport")]
    public void Unparseable_listener_is_an_error(string listeners) =>
        Assert.That(() => With(("listeners", listeners)),
            Throws.TypeOf<ConfigException>().With.Message.Contains("to a broker endpoint").And.Property(nameof(ConfigException.Name)).EqualTo("listeners"));

    [Test]
    public void Duplicate_listener_names_are_an_error() =>
        Assert.That(() => With(("listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093")),
            Throws.TypeOf<ConfigException>().With.Message.Contains("Each listener must have a different name"));

    [Test]
    public void Inter_broker_listener_must_be_advertised() =>
        Assert.That(() => With(("listeners", "CLIENT://localhost:9092"), ("listener.security.protocol.map", "CLIENT:PLAINTEXT")),
            Throws.TypeOf<ConfigException>().With.Message.Contains("inter.broker.listener.name must be a listener name defined in advertised.listeners"));

    [Test]
    public void Controller_listener_is_mapped_to_plaintext_while_the_map_is_default()
    {
        var config = With(
            ("listeners", "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093"),
            ("controller.listener.names", "CONTROLLER"));

        Assert.That(config.ListenerSecurityProtocolMap["CONTROLLER"], Is.EqualTo(SecurityProtocol.Plaintext));
        Assert.That(config.AdvertisedListeners.Select(e => e.ListenerName), Is.EqualTo(new[] { "PLAINTEXT" }), "controller listeners are not advertised");
    }

    [Test]
    public void Legacy_broker_id_names_the_node()
    {
        Assert.That(With(("broker.id", "4")).NodeId, Is.EqualTo(4));
        Assert.That(() => With(("broker.id", "4"), ("node.id", "5")), Throws.TypeOf<ConfigException>());
    }

    [Test]
    public void Log_dirs_falls_back_to_log_dir_and_splits_on_commas()
    {
        Assert.That(With(("log.dirs", "/a, /b")).LogDirs, Is.EqualTo(new[] { "/a", "/b" }));
        Assert.That(With(("log.dir", "/c")).LogDirs, Is.EqualTo(new[] { "/c" }));
        Assert.That(With(("log.dir", "/c"), ("log.dirs", "/d")).LogDirs, Is.EqualTo(new[] { "/d" }));
    }
}
