using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class BrokerConfigDescriberTests
{
    private static ConfigEntry Describe(BrokerConfig config, string name) =>
        BrokerConfigDescriber.DescribeBroker(config, [name]).Single();

    [Test]
    public void Default_value_is_a_default_config_with_its_default_synonym()
    {
        var entry = Describe(BrokerConfig.Default, "num.partitions");

        Assert.That(entry, Is.EqualTo(entry with
        {
            Value = "1",
            Source = ConfigSource.DefaultConfig,
            IsReadOnly = true,
            IsSensitive = false,
            Type = ConfigType.Int,
        }));
        Assert.That(entry.Synonyms, Is.EqualTo(new[] { new ConfigSynonym("num.partitions", "1", ConfigSource.DefaultConfig) }));
    }

    [Test]
    public void Embedded_defaults_are_static_with_Kafkas_default_as_synonym()
    {
        var entry = Describe(BrokerConfig.Default, "listeners");

        Assert.That(entry.Source, Is.EqualTo(ConfigSource.StaticBrokerConfig));
        Assert.That(entry.IsReadOnly, Is.False, "Kafka lists listeners as per-broker");
        Assert.That(entry.Synonyms, Is.EqualTo(new[]
        {
            new ConfigSynonym("listeners", "PLAINTEXT://localhost:9092", ConfigSource.StaticBrokerConfig),
            new ConfigSynonym("listeners", "PLAINTEXT://:9092", ConfigSource.DefaultConfig),
        }));
    }

    [Test]
    public void Retention_synonyms_in_Kafkas_order()
    {
        var config = BrokerConfig.Create(new Dictionary<string, string> { ["log.retention.ms"] = "1000", ["log.retention.minutes"] = "5" });

        var entry = Describe(config, "log.retention.ms");

        Assert.That(entry.Value, Is.EqualTo("1000"));
        Assert.That(entry.Source, Is.EqualTo(ConfigSource.StaticBrokerConfig));
        Assert.That(entry.IsReadOnly, Is.False);
        Assert.That(entry.Synonyms.Select(s => s.Name), Is.EqualTo(new[] { "log.retention.ms", "log.retention.minutes", "log.retention.hours" }));
    }

    [Test]
    public void Unset_retention_ms_has_null_value_and_no_synonyms_like_Kafka()
    {
        var entry = Describe(BrokerConfig.Default, "log.retention.ms");

        Assert.That(entry.Value, Is.Null);
        Assert.That(entry.Source, Is.EqualTo(ConfigSource.DefaultConfig));
        Assert.That(entry.Synonyms, Is.Empty);
    }

    [Test]
    public void Passwords_are_hidden_everywhere()
    {
        var config = BrokerConfig.Create(new Dictionary<string, string> { ["ssl.keystore.password"] = "secret" });

        var entry = Describe(config, "ssl.keystore.password");

        Assert.That(entry.IsSensitive, Is.True);
        Assert.That(entry.Value, Is.Null);
        Assert.That(entry.Synonyms.Single().Value, Is.Null);
        Assert.That(entry.Type, Is.EqualTo(ConfigType.Password));
    }

    [Test]
    public void Describe_all_lists_every_known_config_once()
    {
        var entries = BrokerConfigDescriber.DescribeBroker(BrokerConfig.Default);

        Assert.That(entries.Count, Is.EqualTo(BrokerConfigDefinitions.All.Count));
        Assert.That(entries.Select(e => e.Name), Is.Unique.And.Ordered);
    }

    [Test]
    public void Without_synonyms_the_list_is_empty_but_the_source_stays() =>
        Assert.That(BrokerConfigDescriber.DescribeBroker(BrokerConfig.Default, ["node.id"], includeSynonyms: false).Single(),
            Has.Property(nameof(ConfigEntry.Synonyms)).Empty.And.Property(nameof(ConfigEntry.Source)).EqualTo(ConfigSource.StaticBrokerConfig));

    [Test]
    public void Wire_ids_are_Kafkas()
    {
        Assert.That((sbyte)ConfigSource.DynamicTopicConfig, Is.EqualTo(1));
        Assert.That((sbyte)ConfigSource.DynamicBrokerConfig, Is.EqualTo(2));
        Assert.That((sbyte)ConfigSource.DynamicDefaultBrokerConfig, Is.EqualTo(3));
        Assert.That((sbyte)ConfigSource.StaticBrokerConfig, Is.EqualTo(4));
        Assert.That((sbyte)ConfigSource.DefaultConfig, Is.EqualTo(5));
        Assert.That((sbyte)ConfigType.Password, Is.EqualTo(9));
        Assert.That((sbyte)ConfigType.List, Is.EqualTo(7));
    }
}
