using System.Collections;
using KafkaCompat.Broker.Config;

namespace KafkaCompat.Broker.Tests.Config;

public class KafkaEnvironmentTests
{
    [TestCase("KAFKA_ADVERTISED_LISTENERS", "advertised.listeners")]
    [TestCase("KAFKA_LOG_RETENTION_MS", "log.retention.ms")]
    [TestCase("KAFKA_NODE_ID", "node.id")]
    [TestCase("KAFKA_ABC__DEF", "abc_def")]
    [TestCase("KAFKA_ABC___DEF", "abc-def")]
    [TestCase("KAFKA_LISTENER_NAME_INTERNAL_SSL_KEY__PASSWORD", "listener.name.internal.ssl.key_password")]
    public void Maps_names_like_the_apache_kafka_image(string variable, string config)
    {
        var configs = KafkaEnvironment.ToConfigs(new Hashtable { [variable] = "v" });

        Assert.That(configs, Is.EqualTo(new Dictionary<string, string> { [config] = "v" }));
    }

    [TestCase("KAFKA_HEAP_OPTS")]
    [TestCase("KAFKA_OPTS")]
    [TestCase("KAFKA_JMX_OPTS")]
    [TestCase("KAFKA_LOG4J_OPTS")]
    [TestCase("KAFKA_VERSION")]
    [TestCase("KAFKA_HOME")]
    [TestCase("KAFKA_LOG4J_LOGGERS")]
    [TestCase("CLUSTER_ID")]
    [TestCase("PATH")]
    public void Ignores_what_the_image_does_not_turn_into_configs(string variable) =>
        Assert.That(KafkaEnvironment.ToConfigs(new Hashtable { [variable] = "x" }), Is.Empty);
}
