using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests.Storage;

/// <summary>
/// The server.properties of Kafka's KRaft quick start (config/server.properties of a Kafka 4.x
/// distribution: a combined node 1, a dynamic quorum through controller.quorum.bootstrap.servers,
/// CONTROLLER beside PLAINTEXT), with its values, on free loopback ports and a scratch log dir.
/// </summary>
internal sealed class QuickStartNode : IDisposable
{
    private readonly TempDirectory _scratch = new("kafkacompat-quickstart-");

    public QuickStartNode(params string[] extraLines)
    {
        BrokerPort = FreePort.Pick();
        ControllerPort = FreePort.Pick();
        LogDir = Path.Combine(_scratch.Path, "kraft-combined-logs");
        ConfigFile = Path.Combine(_scratch.Path, "server.properties");
        File.WriteAllLines(ConfigFile,
        [
            "process.roles=broker,controller",
            "node.id=1",
            $"controller.quorum.bootstrap.servers=localhost:{ControllerPort}",
            $"listeners=PLAINTEXT://:{BrokerPort},CONTROLLER://:{ControllerPort}",
            "inter.broker.listener.name=PLAINTEXT",
            $"advertised.listeners=PLAINTEXT://localhost:{BrokerPort},CONTROLLER://localhost:{ControllerPort}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
            "num.network.threads=3",
            "num.io.threads=8",
            "socket.send.buffer.bytes=102400",
            "socket.receive.buffer.bytes=102400",
            "socket.request.max.bytes=104857600",
            $"log.dirs={LogDir}",
            "num.partitions=1",
            "num.recovery.threads.per.data.dir=1",
            "offsets.topic.replication.factor=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "log.retention.hours=168",
            "log.segment.bytes=1073741824",
            "log.retention.check.interval.ms=300000",
            .. extraLines,
        ]);
    }

    public int BrokerPort { get; }

    public int ControllerPort { get; }

    public string LogDir { get; }

    public string ConfigFile { get; }

    public string Scratch => _scratch.Path;

    public void Dispose() => _scratch.Dispose();
}
