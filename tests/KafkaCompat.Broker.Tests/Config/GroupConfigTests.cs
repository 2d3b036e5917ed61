using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

/// <summary>
/// The settings a group runs with (<see cref="GroupConfig"/>): its own configs over the broker's
/// group.* configs, kept within the broker's current bounds (KIP-1240), and the values of
/// share.auto.offset.reset Kafka accepts (KIP-932: latest, earliest, by_duration:ISO-8601).
/// </summary>
public class GroupConfigTests
{
    private static BrokerConfig Broker(params (string Name, string Value)[] configs) =>
        BrokerConfig.Create(configs.ToDictionary(c => c.Name, c => c.Value));

    [Test]
    public void A_group_without_configs_runs_with_the_brokers()
    {
        var config = GroupConfig.Of(Broker(("group.consumer.session.timeout.ms", "50000"), ("group.share.record.lock.duration.ms", "20000")), new Dictionary<string, string>());

        Assert.That(config, Is.EqualTo(new GroupConfig(
            ConsumerSessionTimeoutMs: 50000,
            ConsumerHeartbeatIntervalMs: 5000,
            ShareSessionTimeoutMs: 45000,
            ShareHeartbeatIntervalMs: 5000,
            ShareRecordLockDurationMs: 20000,
            ShareAutoOffsetReset: "latest",
            ShareIsolationLevel: "read_uncommitted",
            StreamsSessionTimeoutMs: 45000,
            StreamsHeartbeatIntervalMs: 5000,
            StreamsNumStandbyReplicas: 0,
            StreamsInitialRebalanceDelayMs: 3000)));
    }

    [Test]
    public void A_groups_own_value_wins()
    {
        var config = GroupConfig.Of(Broker(), new Dictionary<string, string>
        {
            ["consumer.heartbeat.interval.ms"] = "7000",
            ["share.isolation.level"] = "read_committed",
            ["share.auto.offset.reset"] = "earliest",
            ["streams.num.standby.replicas"] = "1",
        });

        Assert.That((config.ConsumerHeartbeatIntervalMs, config.ShareIsolationLevel, config.ShareAutoOffsetReset, config.StreamsNumStandbyReplicas),
            Is.EqualTo((7000, "read_committed", "earliest", 1)));
        Assert.That(config.ConsumerSessionTimeoutMs, Is.EqualTo(45000), "what the group does not set is the broker's");
    }

    [Test]
    public void A_value_set_before_the_broker_narrowed_its_bounds_is_kept_within_them()
    {
        // Accepted when the bounds were Kafka's defaults (45000..60000, 5000..15000); the broker restarted with narrower ones.
        var overrides = new Dictionary<string, string> { ["consumer.session.timeout.ms"] = "60000", ["consumer.heartbeat.interval.ms"] = "5000" };

        var config = GroupConfig.Of(Broker(("group.consumer.max.session.timeout.ms", "50000"), ("group.consumer.min.heartbeat.interval.ms", "6000")), overrides);

        Assert.That((config.ConsumerSessionTimeoutMs, config.ConsumerHeartbeatIntervalMs), Is.EqualTo((50000, 6000)));
    }

    [TestCase("latest", true)]
    [TestCase("EARLIEST", true)]
    [TestCase("by_duration:PT1H", true)]
    [TestCase("by_duration:P1DT2H30M10.5S", true)]
    [TestCase("by_duration:PT0S", true)]
    [TestCase("by_duration:-PT1H", false)]
    [TestCase("by_duration:1H", false)]
    [TestCase("by_duration:P", false)]
    [TestCase("by_duration:", false)]
    [TestCase("none", false)]
    public void Share_auto_offset_reset_takes_Kafkas_strategies(string value, bool valid)
    {
        var result = GroupConfigValidator.Validate(new Dictionary<string, string?> { ["share.auto.offset.reset"] = value }, Broker());

        Assert.That(result.IsOk, Is.EqualTo(valid), result.Message);
    }
}
