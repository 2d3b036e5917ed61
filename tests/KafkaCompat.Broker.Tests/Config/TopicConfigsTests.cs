using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class TopicConfigsTests
{
    private static readonly Dictionary<string, string> _noOverrides = [];

    [Test]
    public void Topic_defaults_come_from_the_broker_converted_to_milliseconds()
    {
        var broker = BrokerConfig.Create(new Dictionary<string, string> { ["log.retention.hours"] = "2", ["log.roll.hours"] = "1", ["message.max.bytes"] = "5000" });

        var values = TopicConfigs.EffectiveValues(broker, _noOverrides);

        Assert.That(values["retention.ms"], Is.EqualTo("7200000"));
        Assert.That(values["segment.ms"], Is.EqualTo("3600000"));
        Assert.That(values["max.message.bytes"], Is.EqualTo("5000"));
    }

    [Test]
    public void Override_beats_broker_value_and_is_a_dynamic_topic_config()
    {
        var broker = BrokerConfig.Create(new Dictionary<string, string> { ["log.retention.ms"] = "1000" });
        var overrides = new Dictionary<string, string> { ["retention.ms"] = "5000" };

        var entry = TopicConfigs.Describe(broker, overrides, ["retention.ms"]).Single();

        Assert.That(entry.Value, Is.EqualTo("5000"));
        Assert.That(entry.Source, Is.EqualTo(ConfigSource.DynamicTopicConfig));
        Assert.That(entry.IsReadOnly, Is.False);
        Assert.That(entry.Synonyms.Select(s => (s.Name, s.Source)), Is.EqualTo(new[]
        {
            ("retention.ms", ConfigSource.DynamicTopicConfig),
            ("log.retention.ms", ConfigSource.StaticBrokerConfig),
            ("log.retention.hours", ConfigSource.DefaultConfig),
        }));
    }

    [Test]
    public void Unset_topic_config_reports_the_broker_source()
    {
        var broker = BrokerConfig.Create(new Dictionary<string, string> { ["log.segment.bytes"] = "2000000" });

        var entry = TopicConfigs.Describe(broker, _noOverrides, ["segment.bytes"]).Single();

        Assert.That(entry.Value, Is.EqualTo("2000000"));
        Assert.That(entry.Source, Is.EqualTo(ConfigSource.StaticBrokerConfig));
    }

    [Test]
    public void Config_without_broker_synonym_is_a_default()
    {
        var entry = TopicConfigs.Describe(BrokerConfig.Default, _noOverrides, ["leader.replication.throttled.replicas"]).Single();

        Assert.That(entry.Source, Is.EqualTo(ConfigSource.DefaultConfig));
        Assert.That(entry.Value, Is.Empty);
    }

    [Test]
    public void Describe_lists_every_topic_config()
    {
        var names = TopicConfigs.Describe(BrokerConfig.Default, _noOverrides).Select(e => e.Name).ToList();

        Assert.That(names, Does.Contain("cleanup.policy").And.Contain("segment.jitter.ms").And.Contain("message.downconversion.enable"));
        Assert.That(names, Is.Ordered);
    }

    [Test]
    public void Log_config_for_storage_applies_overrides_over_broker_values()
    {
        var broker = BrokerConfig.Create(new Dictionary<string, string> { ["log.retention.minutes"] = "1" });

        var log = TopicConfigs.ToLogConfig(broker, new Dictionary<string, string> { ["cleanup.policy"] = "compact" });

        Assert.That(log.RetentionMs, Is.EqualTo(60_000));
        Assert.That(log.CompactEnabled, Is.True);
        Assert.That(log.DeleteEnabled, Is.False);
    }

    [Test]
    public void CompactionSettings_ComeFromTheBrokersLogCleanerDefaults_AndTopicOverrides()
    {
        var broker = BrokerConfig.Create(new Dictionary<string, string>
        {
            ["log.cleaner.min.cleanable.ratio"] = "0.25",
            ["log.cleaner.delete.retention.ms"] = "1000",
        });

        var defaults = TopicConfigs.ToLogConfig(broker, new Dictionary<string, string>());
        var topic = TopicConfigs.ToLogConfig(broker, new Dictionary<string, string>
        {
            ["min.compaction.lag.ms"] = "500",
            ["max.compaction.lag.ms"] = "60000",
            ["delete.retention.ms"] = "2000",
        });

        Assert.That(defaults.MinCleanableDirtyRatio, Is.EqualTo(0.25));
        Assert.That(defaults.DeleteRetentionMs, Is.EqualTo(1000));
        Assert.That(defaults.MinCompactionLagMs, Is.Zero);
        Assert.That(defaults.MaxCompactionLagMs, Is.EqualTo(long.MaxValue));
        Assert.That(topic.MinCleanableDirtyRatio, Is.EqualTo(0.25));
        Assert.That(topic.DeleteRetentionMs, Is.EqualTo(2000));
        Assert.That(topic.MinCompactionLagMs, Is.EqualTo(500));
        Assert.That(topic.MaxCompactionLagMs, Is.EqualTo(60_000));
    }
}
