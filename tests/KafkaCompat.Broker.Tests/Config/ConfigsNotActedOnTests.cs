using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class ConfigsNotActedOnTests
{
    private static readonly string[] CompactionConfigs =
        ["cleanup.policy", "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "max.compaction.lag.ms", "delete.retention.ms", "segment.ms"];

    [Test]
    public void A_topic_config_and_the_broker_config_that_defaults_it_are_marked_alike()
    {
        // A warning must not depend on whether the value was set on the topic or as the broker default.
        var mismatched = TopicConfigDefinitions.All
            .Where(t => t.BrokerSynonyms.Count > 0)
            .Select(t => (Topic: t, Broker: BrokerConfigDefinitions.Find(t.BrokerSynonyms[0].Name)!))
            .Where(p => (p.Topic.NotActedOnReason is null) != (p.Broker.NotActedOnReason is null))
            .Select(p => $"{p.Topic.Name} / {p.Broker.Name}");

        Assert.That(mismatched, Is.Empty);
    }

    [Test]
    public void The_compaction_configs_and_compression_type_count_as_acted_on()
    {
        Assert.That(CompactionConfigs.Append("compression.type").Where(n => TopicConfigDefinitions.Find(n)!.NotActedOnReason is not null), Is.Empty);
        Assert.That(BrokerConfigDefinitions.All.Where(d => d.Name.StartsWith("log.cleaner.", StringComparison.Ordinal) && d.NotActedOnReason is not null).Select(d => d.Name), Is.Empty);
    }

    [Test]
    public void Only_the_configs_not_acted_on_are_named_each_once()
    {
        var warnings = ConfigsNotActedOn.ForTopicConfigs(["retention.ms", "preallocate", "max.message.bytes", "preallocate", "message.format.version", "no.such.config"]).ToList();

        Assert.That(warnings, Has.Count.EqualTo(2));
        Assert.That(warnings[0], Is.EqualTo("The configuration 'preallocate' is accepted but not acted on yet: segment files are not preallocated."));
        Assert.That(warnings[1], Does.StartWith("The configuration 'message.format.version' is accepted but not acted on yet: "));
    }

    [Test]
    public void Broker_warnings_cover_listener_overrides()
    {
        var warnings = ConfigsNotActedOn.ForBrokerConfigs(["num.partitions", "listener.name.internal.ssl.keystore.location", "ssl.keystore.location"]).ToList();

        Assert.That(warnings.Select(w => w.Split('\'')[1]), Is.EqualTo(new[] { "listener.name.internal.ssl.keystore.location", "ssl.keystore.location" }));
    }
}
