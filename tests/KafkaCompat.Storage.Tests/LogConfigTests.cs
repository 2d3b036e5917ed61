using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

public class LogConfigTests
{
    [Test]
    public void Defaults_AreKafkas()
    {
        LogConfig config = LogConfig.Default;

        Assert.That(config.SegmentBytes, Is.EqualTo(1073741824));
        Assert.That(config.SegmentMs, Is.EqualTo(604800000));
        Assert.That(config.RetentionMs, Is.EqualTo(604800000));
        Assert.That(config.RetentionBytes, Is.EqualTo(-1));
        Assert.That(config.SegmentIndexBytes, Is.EqualTo(10485760));
        Assert.That(config.IndexIntervalBytes, Is.EqualTo(4096));
        Assert.That(config.MaxMessageBytes, Is.EqualTo(1048588));
        Assert.That(config.FlushMessages, Is.EqualTo(long.MaxValue));
        Assert.That(config.FlushMs, Is.EqualTo(long.MaxValue));
        Assert.That(config.CleanupPolicy, Is.EqualTo(new[] { "delete" }));
        Assert.That(config.MessageTimestampType, Is.EqualTo(TimestampType.CreateTime));
        Assert.That(config.DeleteRetentionMs, Is.EqualTo(86_400_000));
        Assert.That(config.MinCleanableDirtyRatio, Is.EqualTo(0.5));
        Assert.That(config.MinCompactionLagMs, Is.Zero);
        Assert.That(config.MaxCompactionLagMs, Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void OnACompactedTopic_MaxCompactionLagMsBelowSegmentMs_RollsTheActiveSegmentSooner()
    {
        LogConfig compacted = LogConfig.Default.With(new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["max.compaction.lag.ms"] = "60000" });
        LogConfig deleted = LogConfig.Default.With(new Dictionary<string, string> { ["max.compaction.lag.ms"] = "60000" });

        Assert.That(compacted.MaxSegmentMs, Is.EqualTo(60_000));
        Assert.That(deleted.MaxSegmentMs, Is.EqualTo(LogConfig.Default.SegmentMs));
        Assert.Throws<ArgumentException>(() => LogConfig.Default.With(new Dictionary<string, string> { ["min.cleanable.dirty.ratio"] = "1.5" }));
        Assert.That(LogConfig.FromBrokerProperties(new Dictionary<string, string> { ["log.cleaner.min.compaction.lag.ms"] = "7" }).MinCompactionLagMs, Is.EqualTo(7));
    }

    [Test]
    public void TopicOverrides_ApplyOnTopOfBrokerDefaults()
    {
        LogConfig brokerDefaults = LogConfig.FromBrokerProperties(new Dictionary<string, string>
        {
            ["log.retention.hours"] = "1",
            ["log.segment.bytes"] = "1000000",
            ["log.retention.minutes"] = "30",
            ["num.partitions"] = "3",
        });

        LogConfig topic = brokerDefaults.With(new Dictionary<string, string>
        {
            ["retention.bytes"] = "5000",
            ["cleanup.policy"] = "compact,delete",
            ["message.timestamp.type"] = "LogAppendTime",
        });

        Assert.That(brokerDefaults.RetentionMs, Is.EqualTo(30 * 60_000), "minutes win over hours, as in Kafka");
        Assert.That(topic.SegmentBytes, Is.EqualTo(1_000_000));
        Assert.That(topic.RetentionBytes, Is.EqualTo(5000));
        Assert.That(topic.CompactEnabled && topic.DeleteEnabled, Is.True);
        Assert.That(topic.MessageTimestampType, Is.EqualTo(TimestampType.LogAppendTime));
    }

    [TestCase("segment.bytes", "abc")]
    [TestCase("segment.bytes", "10")]
    [TestCase("retention.ms", "-2")]
    [TestCase("cleanup.policy", "remove")]
    [TestCase("message.timestamp.type", "Now")]
    public void InvalidValues_AreRejected(string name, string value)
    {
        Assert.That(() => LogConfig.Default.With(new Dictionary<string, string> { [name] = value }), Throws.ArgumentException.With.Message.Contains(name));
    }

    [TestCase("orders-0", "orders", 0)]
    [TestCase("my-topic-12", "my-topic", 12)]
    [TestCase("__consumer_offsets-49", "__consumer_offsets", 49)]
    public void TopicPartition_ParsesItsDirectoryName(string name, string topic, int partition)
    {
        Assert.That(TopicPartition.TryParse(name, out TopicPartition parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(new TopicPartition(topic, partition)));
        Assert.That(parsed.ToString(), Is.EqualTo(name));
    }

    [TestCase("orders")]
    [TestCase("orders-")]
    [TestCase("-1")]
    [TestCase("orders-x")]
    [TestCase("orders-0.abc-delete")]
    public void TopicPartition_RejectsOtherNames(string name)
    {
        Assert.That(TopicPartition.TryParse(name, out _), Is.False);
    }
}
