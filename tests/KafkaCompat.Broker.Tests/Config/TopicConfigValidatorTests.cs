using KafkaCompat.Broker.Config;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Config;

public class TopicConfigValidatorTests
{
    private static ConfigResult Validate(string name, string? value) =>
        TopicConfigValidator.Validate(new Dictionary<string, string?> { [name] = value });

    [TestCase("retention.ms", "86400000")]
    [TestCase("retention.ms", "-1")]
    [TestCase("cleanup.policy", "compact,delete")]
    [TestCase("cleanup.policy", " compact ")]
    [TestCase("min.cleanable.dirty.ratio", "0.1")]
    [TestCase("message.timestamp.type", "LogAppendTime")]
    [TestCase("leader.replication.throttled.replicas", "0:1,1:2")]
    [TestCase("leader.replication.throttled.replicas", "*")]
    [TestCase("compression.type", "zstd")]
    public void Valid_values_pass(string name, string value) =>
        Assert.That(Validate(name, value), Is.EqualTo(ConfigResult.Ok));

    [TestCase("retention.ms", "-2", "Invalid value -2 for configuration retention.ms: Value must be at least -1")]
    [TestCase("retention.ms", "forever", "Invalid value forever for configuration retention.ms: Not a number of type LONG")]
    [TestCase("segment.bytes", "10", "Invalid value 10 for configuration segment.bytes: Value must be at least 14")]
    [TestCase("cleanup.policy", "compact,purge", "Invalid value purge for configuration cleanup.policy: String must be one of: compact, delete")]
    [TestCase("min.cleanable.dirty.ratio", "1.5", "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1")]
    [TestCase("message.timestamp.type", "Now", "Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime")]
    [TestCase("preallocate", "maybe", "Invalid value maybe for configuration preallocate: Expected value to be either true or false")]
    [TestCase("min.insync.replicas", "0", "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1")]
    public void Invalid_values_give_invalid_config_with_Kafkas_message(string name, string value, string message) =>
        Assert.That(Validate(name, value), Is.EqualTo(new ConfigResult(ErrorCode.InvalidConfig, message)));

    [Test]
    public void Unknown_name_gives_invalid_config() =>
        Assert.That(Validate("retention.hours", "1"), Is.EqualTo(new ConfigResult(ErrorCode.InvalidConfig, "Unknown topic config name: retention.hours")));

    [Test]
    public void Null_value_gives_invalid_config() =>
        Assert.That(Validate("retention.ms", null), Is.EqualTo(new ConfigResult(ErrorCode.InvalidConfig, "Null value not supported for topic configs: retention.ms")));

    [Test]
    public void Throttled_replicas_must_be_partition_broker_pairs() =>
        Assert.That(Validate("follower.replication.throttled.replicas", "0-1").Message, Does.Contain("[partitionId]:[brokerId]"));

    [Test]
    public void Min_compaction_lag_above_max_is_a_conflict()
    {
        var result = TopicConfigValidator.Validate(new Dictionary<string, string?> { ["min.compaction.lag.ms"] = "10", ["max.compaction.lag.ms"] = "5" });

        Assert.That(result.Error, Is.EqualTo(ErrorCode.InvalidConfig));
        Assert.That(result.Message, Does.Contain("min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"));
    }

    [Test]
    public void Incremental_alter_sets_deletes_and_appends()
    {
        var current = new Dictionary<string, string> { ["retention.ms"] = "1000", ["segment.ms"] = "2000" };

        var result = TopicConfigValidator.IncrementalAlter(current,
        [
            new AlterConfigOp("retention.ms", ConfigOperation.Set, "3000"),
            new AlterConfigOp("segment.ms", ConfigOperation.Delete, null),
            new AlterConfigOp("cleanup.policy", ConfigOperation.Append, "compact"),
        ]);

        Assert.That(result.Result, Is.EqualTo(ConfigResult.Ok));
        Assert.That(result.Updated, Is.EqualTo(new Dictionary<string, string> { ["retention.ms"] = "3000", ["cleanup.policy"] = "delete,compact" }));
        Assert.That(result.Changes, Is.EqualTo(new[]
        {
            new ConfigChange("cleanup.policy", "delete,compact"),
            new ConfigChange("retention.ms", "3000"),
            new ConfigChange("segment.ms", null),
        }));
    }

    [Test]
    public void Subtract_removes_from_the_current_list()
    {
        var result = TopicConfigValidator.IncrementalAlter(new Dictionary<string, string> { ["cleanup.policy"] = "compact,delete" },
            [new AlterConfigOp("cleanup.policy", ConfigOperation.Subtract, "delete")]);

        Assert.That(result.Updated!["cleanup.policy"], Is.EqualTo("compact"));
    }

    [Test]
    public void Append_to_a_non_list_config_is_refused() =>
        Assert.That(TopicConfigValidator.IncrementalAlter(new Dictionary<string, string>(), [new AlterConfigOp("retention.ms", ConfigOperation.Append, "1")]).Result,
            Is.EqualTo(new ConfigResult(ErrorCode.InvalidConfig, "Config value append is not allowed for config key: retention.ms")));

    [Test]
    public void Incremental_set_of_an_invalid_value_is_refused() =>
        Assert.That(TopicConfigValidator.IncrementalAlter(new Dictionary<string, string>(), [new AlterConfigOp("segment.ms", ConfigOperation.Set, "0")]).Result.Error,
            Is.EqualTo(ErrorCode.InvalidConfig));

    [Test]
    public void Duplicate_keys_are_an_invalid_request() =>
        Assert.That(TopicConfigValidator.IncrementalAlter(new Dictionary<string, string>(),
            [new AlterConfigOp("retention.ms", ConfigOperation.Set, "1"), new AlterConfigOp("retention.ms", ConfigOperation.Delete, null)]).Result.Error,
            Is.EqualTo(ErrorCode.InvalidRequest));
}
