using KafkaCompat.Broker.Config;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Config;

public class DynamicBrokerConfigUpdaterTests
{
    private static ConfigAlterResult<BrokerConfig> Set(string resource, string name, string value, BrokerConfig? config = null) =>
        DynamicBrokerConfigUpdater.IncrementalAlter(config ?? BrokerConfig.Default, resource, [new AlterConfigOp(name, ConfigOperation.Set, value)]);

    [Test]
    public void Per_broker_update_becomes_the_value_and_its_source()
    {
        var result = Set("1", "log.retention.ms", "60000");

        Assert.That(result.Result, Is.EqualTo(ConfigResult.Ok));
        Assert.That(result.Changes, Is.EqualTo(new[] { new ConfigChange("log.retention.ms", "60000") }));
        var updated = result.Updated!;
        Assert.That(updated.LogRetentionMs, Is.EqualTo(60_000));
        Assert.That(updated.SourceOf("log.retention.ms"), Is.EqualTo(ConfigSource.DynamicBrokerConfig));
        Assert.That(BrokerConfigDescriber.DescribeBroker(updated, ["log.retention.ms"]).Single().Source, Is.EqualTo(ConfigSource.DynamicBrokerConfig));
    }

    [Test]
    public void Cluster_default_update_is_below_the_per_broker_one()
    {
        var withDefault = Set("", "message.max.bytes", "2000").Updated!;
        Assert.That(withDefault.MessageMaxBytes, Is.EqualTo(2000));
        Assert.That(withDefault.SourceOf("message.max.bytes"), Is.EqualTo(ConfigSource.DynamicDefaultBrokerConfig));

        var withBoth = Set("1", "message.max.bytes", "3000", withDefault).Updated!;
        Assert.That(withBoth.MessageMaxBytes, Is.EqualTo(3000));
        Assert.That(BrokerConfigDescriber.DescribeBroker(withBoth, ["message.max.bytes"]).Single().Synonyms.Select(s => s.Source), Is.EqualTo(new[]
        {
            ConfigSource.DynamicBrokerConfig, ConfigSource.DynamicDefaultBrokerConfig, ConfigSource.DefaultConfig,
        }));
        Assert.That(BrokerConfigDescriber.DescribeClusterDefault(withBoth).Single().Value, Is.EqualTo("2000"));
    }

    [TestCase("node.id", "2")]
    [TestCase("num.partitions", "3")]
    [TestCase("log.retention.hours", "1")]
    public void Read_only_config_is_refused(string name, string value)
    {
        var result = Set("1", name, value);

        Assert.That(result.Result.Error, Is.EqualTo(ErrorCode.InvalidRequest));
        Assert.That(result.Result.Message, Is.EqualTo($"Invalid config value for resource ConfigResource(type=BROKER, name='1'): Cannot update these configs dynamically: Set({name})"));
        Assert.That(result.Updated, Is.Null);
    }

    [Test]
    public void Per_broker_config_cannot_be_a_cluster_default() =>
        Assert.That(Set("", "advertised.listeners", "PLAINTEXT://other:9092").Result.Message,
            Does.Contain("Cannot update these configs at default cluster level, broker id must be specified: Set(advertised.listeners)"));

    [Test]
    public void Listeners_cannot_change_at_runtime() =>
        Assert.That(Set("1", "advertised.listeners", "PLAINTEXT://other:9092").Result.Message,
            Does.Contain("Dynamic reconfiguration of listeners is not yet supported"));

    [Test]
    public void Security_config_needs_a_listener_prefix() =>
        Assert.That(Set("1", "ssl.keystore.location", "/x").Result.Message,
            Does.Contain("These security configs can be dynamically updated only per-listener using the listener prefix"));

    [Test]
    public void Invalid_value_is_refused_naming_key_and_value()
    {
        var result = Set("1", "num.io.threads", "0");

        Assert.That(result.Result.Error, Is.EqualTo(ErrorCode.InvalidRequest));
        Assert.That(result.Result.Message, Does.EndWith("Invalid value 0 for configuration num.io.threads: Value must be at least 1"));
    }

    [Test]
    public void Another_broker_id_is_refused() =>
        Assert.That(Set("2", "message.max.bytes", "1").Result.Message,
            Is.EqualTo("Unexpected broker id, expected 1 or empty string, but received 2"));

    [Test]
    public void Delete_returns_to_the_static_value()
    {
        var set = Set("1", "log.retention.bytes", "100").Updated!;

        var deleted = DynamicBrokerConfigUpdater.IncrementalAlter(set, "1", [new AlterConfigOp("log.retention.bytes", ConfigOperation.Delete, null)]);

        Assert.That(deleted.Updated!.LogRetentionBytes, Is.EqualTo(-1));
        Assert.That(deleted.Changes, Is.EqualTo(new[] { new ConfigChange("log.retention.bytes", null) }));
    }

    [Test]
    public void Append_and_subtract_start_from_the_default_for_lists()
    {
        var appended = DynamicBrokerConfigUpdater.IncrementalAlter(BrokerConfig.Default, "", [new AlterConfigOp("log.cleanup.policy", ConfigOperation.Append, "compact")]);
        Assert.That(appended.Updated!.LogCleanupPolicy, Is.EqualTo(new[] { "delete", "compact" }));

        var subtracted = DynamicBrokerConfigUpdater.IncrementalAlter(appended.Updated, "", [new AlterConfigOp("log.cleanup.policy", ConfigOperation.Subtract, "delete")]);
        Assert.That(subtracted.Updated!.LogCleanupPolicy, Is.EqualTo(new[] { "compact" }));
    }

    [Test]
    public void Append_to_a_non_list_is_invalid_config() =>
        Assert.That(DynamicBrokerConfigUpdater.IncrementalAlter(BrokerConfig.Default, "1", [new AlterConfigOp("message.max.bytes", ConfigOperation.Append, "1")]).Result,
            Is.EqualTo(new ConfigResult(ErrorCode.InvalidConfig, "Config value append is not allowed for config key: message.max.bytes")));

    [Test]
    public void Legacy_alter_replaces_the_whole_dynamic_set()
    {
        var first = Set("1", "log.retention.bytes", "100").Updated!;

        var result = DynamicBrokerConfigUpdater.Alter(first, "1", new Dictionary<string, string?> { ["message.max.bytes"] = "5000" });

        Assert.That(result.Updated!.DynamicBrokerConfigs, Is.EqualTo(new Dictionary<string, string> { ["message.max.bytes"] = "5000" }));
        Assert.That(result.Changes, Is.EqualTo(new[] { new ConfigChange("log.retention.bytes", null), new ConfigChange("message.max.bytes", "5000") }));
    }
}
