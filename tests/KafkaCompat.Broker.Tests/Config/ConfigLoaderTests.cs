using System.Collections;
using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class ConfigLoaderTests
{
    private string _file = "";

    [SetUp]
    public void CreateFile() => _file = Path.GetTempFileName();

    [TearDown]
    public void DeleteFile() => File.Delete(_file);

    [Test]
    public void Precedence_is_overrides_then_environment_then_file_then_defaults()
    {
        File.WriteAllText(_file, "num.partitions=2\nlog.retention.bytes=20\nmessage.max.bytes=2000\n");
        var environment = new Hashtable { ["KAFKA_LOG_RETENTION_BYTES"] = "30", ["KAFKA_MESSAGE_MAX_BYTES"] = "3000" };

        var config = ConfigLoader.Load([_file, "--override", "message.max.bytes=4000"], environment).Config;

        Assert.Multiple(() =>
        {
            Assert.That(config.NumPartitions, Is.EqualTo(2), "file over default");
            Assert.That(config.LogRetentionBytes, Is.EqualTo(30), "environment over file");
            Assert.That(config.MessageMaxBytes, Is.EqualTo(4000), "override over environment");
            Assert.That(config.DefaultReplicationFactor, Is.EqualTo(1), "default");
            Assert.That(config.SourceOf("message.max.bytes"), Is.EqualTo(ConfigSource.StaticBrokerConfig));
            Assert.That(config.SourceOf("default.replication.factor"), Is.EqualTo(ConfigSource.DefaultConfig));
        });
    }

    [Test]
    public void No_arguments_and_no_environment_give_the_embedded_defaults()
    {
        var loaded = ConfigLoader.Load([], new Hashtable());

        Assert.That(loaded.Config.NodeId, Is.EqualTo(1));
        Assert.That(loaded.Warnings, Is.Empty);
    }

    [Test]
    public void Overrides_without_a_file_and_in_equals_form()
    {
        var config = ConfigLoader.Load(["--override", "node.id=7", "--override=num.partitions=5"], new Hashtable()).Config;

        Assert.That(config.NodeId, Is.EqualTo(7));
        Assert.That(config.NumPartitions, Is.EqualTo(5));
    }

    [Test]
    public void Override_value_may_contain_equals_signs()
    {
        var config = ConfigLoader.Load(["--override", "max.connections.per.ip.overrides=a:1,b:2=x"], new Hashtable()).Config;

        Assert.That(config.Value("max.connections.per.ip.overrides"), Is.EqualTo("a:1,b:2=x"));
    }

    [Test]
    public void Stray_arguments_are_refused() =>
        Assert.That(() => ConfigLoader.Load([_file, "extra"], new Hashtable()),
            Throws.TypeOf<ConfigException>().With.Message.Contains("Found non argument parameters: extra"));

    [Test]
    public void Unknown_key_is_warned_about_and_ignored()
    {
        File.WriteAllText(_file, "no.such.config=1\n");

        var loaded = ConfigLoader.Load([_file], new Hashtable { ["KAFKA_ALSO_UNKNOWN"] = "2" });

        Assert.That(loaded.Warnings, Has.Count.EqualTo(2));
        Assert.That(loaded.Warnings[0], Does.Contain("also.unknown"));
        Assert.That(loaded.Warnings[1], Does.Contain("no.such.config"));
        Assert.That(loaded.Config.StaticConfigs.ContainsKey("no.such.config"), Is.False);
    }

    [Test]
    public void Listener_prefixed_configs_are_known_and_named_as_not_acted_on()
    {
        var loaded = ConfigLoader.Load(["--override", "listener.name.plaintext.ssl.keystore.location=/x"], new Hashtable());

        Assert.That(loaded.Warnings, Has.Count.EqualTo(1));
        Assert.That(loaded.Warnings[0], Does.StartWith("The configuration 'listener.name.plaintext.ssl.keystore.location' is accepted but not acted on yet: "));
        Assert.That(loaded.Config.StaticConfigs["listener.name.plaintext.ssl.keystore.location"], Is.EqualTo("/x"), "kept, unlike an unknown key");
    }

    [Test]
    public void Each_config_that_is_set_but_not_acted_on_is_named_in_a_warning_with_its_reason()
    {
        File.WriteAllText(_file, "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nnum.partitions=3\n");
        var environment = new Hashtable { ["KAFKA_MIN_INSYNC_REPLICAS"] = "2" };

        var loaded = ConfigLoader.Load([_file, "--override", "log.retention.hours=1", "--override", "controller.quorum.voters=1@localhost:9093"], environment);

        Assert.That(loaded.Warnings, Has.Count.EqualTo(3), string.Join(Environment.NewLine, loaded.Warnings));
        Assert.That(loaded.Warnings[0], Does.StartWith("The configuration 'authorizer.class.name' is accepted but not acted on yet: ").And.Contain("ACLs"));
        Assert.That(loaded.Warnings[1], Does.StartWith("The configuration 'controller.quorum.voters' is accepted but not acted on yet: ").And.Contain("quorum"));
        Assert.That(loaded.Warnings[2], Does.StartWith("The configuration 'min.insync.replicas' is accepted but not acted on yet: ").And.Contain("NOT_ENOUGH_REPLICAS"));
    }

    [Test]
    public void Compaction_and_compression_type_configs_are_not_warned_about()
    {
        // The log cleaner and topic-level recompression are being built; their configs count as acted on.
        var loaded = ConfigLoader.Load(
            ["--override", "log.cleanup.policy=compact", "--override", "log.cleaner.threads=2", "--override", "log.cleaner.min.cleanable.ratio=0.3", "--override", "compression.type=zstd"],
            new Hashtable());

        Assert.That(loaded.Warnings, Is.Empty);
    }

    [TestCase("num.partitions=abc", "Invalid value abc for configuration num.partitions: Not a number of type INT")]
    [TestCase("num.partitions=0", "Invalid value 0 for configuration num.partitions: Value must be at least 1")]
    [TestCase("auto.create.topics.enable=yes", "Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false")]
    [TestCase("log.cleanup.policy=delete,purge", "Invalid value purge for configuration log.cleanup.policy: String must be one of: compact, delete")]
    [TestCase("compression.type=brotli", "Invalid value brotli for configuration compression.type")]
    [TestCase("log.retention.ms=1h", "Invalid value 1h for configuration log.retention.ms: Not a number of type LONG")]
    public void Bad_value_fails_naming_key_and_value(string line, string message)
    {
        File.WriteAllText(_file, line);

        Assert.That(() => ConfigLoader.Load([_file], new Hashtable()),
            Throws.TypeOf<ConfigException>().With.Message.StartsWith(message));
    }

    [Test]
    public void Bad_value_from_the_environment_names_the_config() =>
        Assert.That(() => ConfigLoader.Load([], new Hashtable { ["KAFKA_NUM_IO_THREADS"] = "many" }),
            Throws.TypeOf<ConfigException>().With.Property(nameof(ConfigException.Name)).EqualTo("num.io.threads"));

    [Test]
    public void Environment_advertised_listeners_reach_the_config()
    {
        var environment = new Hashtable
        {
            ["KAFKA_LISTENERS"] = "PLAINTEXT://0.0.0.0:9092",
            ["KAFKA_ADVERTISED_LISTENERS"] = "PLAINTEXT://broker1:9092",
        };

        var config = ConfigLoader.Load([], environment).Config;

        Assert.That(config.AdvertisedListeners.Single().Host, Is.EqualTo("broker1"));
        Assert.That(config.Listeners.Single().Host, Is.EqualTo("0.0.0.0"));
    }
}
