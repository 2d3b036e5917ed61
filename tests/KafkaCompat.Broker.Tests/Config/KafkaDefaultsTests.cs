using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

/// <summary>
/// Defaults as Apache Kafka's broker/topic config documentation states them (values typed in from
/// the docs, not read from the definition table), and KafkaCompat's few embedded differences.
/// </summary>
public class KafkaDefaultsTests
{
    [TestCase("num.partitions", "1")]
    [TestCase("default.replication.factor", "1")]
    [TestCase("auto.create.topics.enable", "true")]
    [TestCase("delete.topic.enable", "true")]
    [TestCase("log.segment.bytes", "1073741824")]
    [TestCase("log.roll.hours", "168")]
    [TestCase("log.roll.ms", null)]
    [TestCase("log.retention.hours", "168")]
    [TestCase("log.retention.minutes", null)]
    [TestCase("log.retention.ms", null)]
    [TestCase("log.retention.bytes", "-1")]
    [TestCase("log.retention.check.interval.ms", "300000")]
    [TestCase("log.flush.interval.messages", "9223372036854775807")]
    [TestCase("log.flush.interval.ms", null)]
    [TestCase("log.flush.scheduler.interval.ms", "9223372036854775807")]
    [TestCase("message.max.bytes", "1048588")]
    [TestCase("socket.request.max.bytes", "104857600")]
    [TestCase("connections.max.idle.ms", "600000")]
    [TestCase("group.initial.rebalance.delay.ms", "3000")]
    [TestCase("log.index.interval.bytes", "4096")]
    [TestCase("log.index.size.max.bytes", "10485760")]
    [TestCase("log.message.timestamp.type", "CreateTime")]
    [TestCase("log.cleanup.policy", "delete")]
    [TestCase("compression.type", "producer")]
    [TestCase("min.insync.replicas", "1")]
    [TestCase("offsets.topic.num.partitions", "50")]
    [TestCase("offsets.topic.replication.factor", "3")]
    [TestCase("offsets.retention.minutes", "10080")]
    [TestCase("transaction.state.log.num.partitions", "50")]
    [TestCase("group.min.session.timeout.ms", "6000")]
    [TestCase("group.max.session.timeout.ms", "1800000")]
    [TestCase("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL")]
    [TestCase("listeners", "PLAINTEXT://:9092")]
    [TestCase("num.network.threads", "3")]
    [TestCase("num.io.threads", "8")]
    [TestCase("unclean.leader.election.enable", "false")]
    [TestCase("log.dir", "/tmp/kafka-logs")]
    [TestCase("log.dirs", null)]
    [TestCase("log.cleaner.delete.retention.ms", "86400000")]
    [TestCase("log.segment.delete.delay.ms", "60000")]
    [TestCase("log.cleaner.min.cleanable.ratio", "0.5")]
    [TestCase("group.consumer.min.session.timeout.ms", "45000")]
    [TestCase("group.consumer.max.session.timeout.ms", "60000")]
    [TestCase("group.consumer.min.heartbeat.interval.ms", "5000")]
    [TestCase("group.consumer.max.heartbeat.interval.ms", "15000")]
    [TestCase("group.share.session.timeout.ms", "45000")]
    [TestCase("group.share.heartbeat.interval.ms", "5000")]
    [TestCase("group.share.record.lock.duration.ms", "30000")]
    [TestCase("group.share.min.record.lock.duration.ms", "15000")]
    [TestCase("group.share.max.record.lock.duration.ms", "60000")]
    [TestCase("group.streams.session.timeout.ms", "45000")]
    [TestCase("group.streams.heartbeat.interval.ms", "5000")]
    [TestCase("group.streams.num.standby.replicas", "0")]
    [TestCase("group.streams.max.standby.replicas", "2")]
    [TestCase("group.streams.initial.rebalance.delay.ms", "3000")]
    public void Kafka_default_is_the_documented_one(string name, string? expected)
    {
        var definition = BrokerConfigDefinitions.Find(name);

        Assert.That(definition, Is.Not.Null, name);
        Assert.That(definition!.DefaultValue, Is.EqualTo(expected), name);
    }

    [TestCase("node.id", ConfigUpdateMode.ReadOnly)]
    [TestCase("log.dirs", ConfigUpdateMode.ReadOnly)]
    [TestCase("num.partitions", ConfigUpdateMode.ReadOnly)]
    [TestCase("log.retention.hours", ConfigUpdateMode.ReadOnly)]
    [TestCase("log.retention.ms", ConfigUpdateMode.ClusterWide)]
    [TestCase("log.segment.bytes", ConfigUpdateMode.ClusterWide)]
    [TestCase("message.max.bytes", ConfigUpdateMode.ClusterWide)]
    [TestCase("num.io.threads", ConfigUpdateMode.ClusterWide)]
    [TestCase("listeners", ConfigUpdateMode.PerBroker)]
    [TestCase("advertised.listeners", ConfigUpdateMode.PerBroker)]
    public void Update_mode_is_Kafkas(string name, ConfigUpdateMode expected) =>
        Assert.That(BrokerConfigDefinitions.Find(name)!.UpdateMode, Is.EqualTo(expected));

    [Test]
    public void Passwords_are_sensitive()
    {
        Assert.That(BrokerConfigDefinitions.Find("ssl.keystore.password")!.IsSensitive, Is.True);
        Assert.That(BrokerConfigDefinitions.Find("ssl.keystore.location")!.IsSensitive, Is.False);
    }

    [Test]
    public void With_no_configuration_the_broker_is_node_1_on_localhost_9092_with_data_in_dot_data()
    {
        var config = BrokerConfig.Default;

        Assert.That(config.NodeId, Is.EqualTo(1));
        Assert.That(config.ProcessRoles, Is.EqualTo(new[] { "broker", "controller" }));
        Assert.That(config.Listeners, Is.EqualTo(new[] { new Endpoint("PLAINTEXT", "localhost", 9092, SecurityProtocol.Plaintext) }));
        Assert.That(config.AdvertisedListeners, Is.EqualTo(config.Listeners));
        Assert.That(config.LogDirs, Is.EqualTo(new[] { "./data" }));
    }

    [Test]
    public void Typed_accessors_give_Kafkas_defaults()
    {
        var config = BrokerConfig.Default;

        Assert.Multiple(() =>
        {
            Assert.That(config.NumPartitions, Is.EqualTo(1));
            Assert.That(config.DefaultReplicationFactor, Is.EqualTo(1));
            Assert.That(config.AutoCreateTopicsEnable, Is.True);
            Assert.That(config.DeleteTopicEnable, Is.True);
            Assert.That(config.LogSegmentBytes, Is.EqualTo(1024 * 1024 * 1024));
            Assert.That(config.LogRollMs, Is.EqualTo(7L * 24 * 3600 * 1000));
            Assert.That(config.LogRetentionMs, Is.EqualTo(7L * 24 * 3600 * 1000));
            Assert.That(config.LogRetentionBytes, Is.EqualTo(-1));
            Assert.That(config.LogRetentionCheckIntervalMs, Is.EqualTo(300_000));
            Assert.That(config.LogFlushIntervalMessages, Is.EqualTo(long.MaxValue));
            Assert.That(config.LogFlushIntervalMs, Is.EqualTo(long.MaxValue), "falls back to log.flush.scheduler.interval.ms");
            Assert.That(config.MessageMaxBytes, Is.EqualTo(1048588));
            Assert.That(config.SocketRequestMaxBytes, Is.EqualTo(104857600));
            Assert.That(config.ConnectionsMaxIdleMs, Is.EqualTo(600_000));
            Assert.That(config.GroupInitialRebalanceDelayMs, Is.EqualTo(3000));
            Assert.That(config.OffsetsTopicNumPartitions, Is.EqualTo(50));
            Assert.That(config.OffsetsTopicReplicationFactor, Is.EqualTo(3));
            Assert.That(config.OffsetsRetentionMinutes, Is.EqualTo(10080));
            Assert.That(config.InterBrokerListenerName, Is.EqualTo("PLAINTEXT"));
            Assert.That(config.ListenerSecurityProtocolMap, Has.Count.EqualTo(4));
        });
    }

    [TestCase("retention.ms", "604800000")]
    [TestCase("segment.ms", "604800000")]
    [TestCase("segment.bytes", "1073741824")]
    [TestCase("cleanup.policy", "delete")]
    [TestCase("max.message.bytes", "1048588")]
    [TestCase("flush.messages", "9223372036854775807")]
    [TestCase("flush.ms", "9223372036854775807")]
    [TestCase("segment.index.bytes", "10485760")]
    [TestCase("delete.retention.ms", "86400000")]
    [TestCase("file.delete.delay.ms", "60000")]
    [TestCase("min.cleanable.dirty.ratio", "0.5")]
    [TestCase("segment.jitter.ms", "0")]
    [TestCase("leader.replication.throttled.replicas", "")]
    public void Topic_default_is_the_documented_one(string name, string expected) =>
        Assert.That(TopicConfigs.Value(BrokerConfig.Default, new Dictionary<string, string>(), TopicConfigDefinitions.Find(name)!), Is.EqualTo(expected));
}
