using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Storage;

/// <summary>
/// Kafka's KRaft quick start, step by step, with the kafkacompat executable in place of
/// kafka-storage.sh and kafka-server-start.sh and Kafka's own server.properties: random-uuid, format
/// --standalone, start; real clients (Confluent.Kafka on librdkafka 2.15.1, kcat) then see the node.
/// </summary>
[TestFixture]
public sealed class QuickStartProcessTests
{
    private static Task<ExternalCommand.Result> Kafkacompat(params string[] args) =>
        ExternalCommand.RunAsync("dotnet", [RepoPaths.ServerDll, .. args], timeout: TimeSpan.FromSeconds(60));

    [Test]
    public async Task A_quick_start_node_formats_starts_and_serves_a_client_with_its_cluster_id()
    {
        using var node = new QuickStartNode();
        var uuid = await Kafkacompat("storage", "random-uuid");
        Assert.That(uuid.ExitCode, Is.Zero, uuid.ToString());
        var clusterId = uuid.StandardOutput.Trim();

        var format = await Kafkacompat("storage", "format", "--standalone", "-t", clusterId, "-c", node.ConfigFile);
        Assert.That(format.ExitCode, Is.Zero, format.ToString());
        Assert.That(format.StandardOutput, Is.EqualTo($"Formatting dynamic metadata voter directory {node.LogDir} with metadata.version 4.0-IV3.\n"));

        await using var broker = await ProcessBroker.StartWithConfigFileAsync(node.ConfigFile, node.BrokerPort);
        var bootstrap = $"localhost:{node.BrokerPort}";
        using (var admin = Admin(bootstrap))
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(30));
            Assert.That(metadata.Brokers.Select(b => (b.BrokerId, b.Host, b.Port)), Is.EqualTo(new[] { (1, "localhost", node.BrokerPort) }),
                "the broker listener only: the controller listener is not given to clients");
            var cluster = await admin.DescribeClusterAsync();
            Assert.That(cluster.ClusterId, Is.EqualTo(clusterId), "the node runs with the formatted cluster id");
        }
        await AssertServesAsync(bootstrap, "quick-start-events");
        // kcat -L, as the quick start's reader would check: one broker, the broker listener, its own controller.
        var kcat = await ExternalCommand.RunAsync("/usr/bin/kcat", ["-b", bootstrap, "-L"], timeout: TimeSpan.FromSeconds(30));
        Assert.That(kcat.ExitCode, Is.Zero, kcat.ToString());
        Assert.That(kcat.StandardOutput, Does.Contain($" 1 brokers:\n  broker 1 at localhost:{node.BrokerPort} (controller)\n"), kcat.ToString());

        var info = await Kafkacompat("storage", "info", "-c", node.ConfigFile);
        Assert.That(info.ExitCode, Is.Zero, info.ToString());
        Assert.That(info.StandardOutput, Does.Contain($"Found metadata: {{cluster.id={clusterId}, directory.id="));
    }

    [Test]
    public async Task A_quick_start_node_that_was_not_formatted_refuses_to_start()
    {
        using var node = new QuickStartNode();

        var run = await Kafkacompat(node.ConfigFile);

        // Before the fix the node formatted itself and served: the run timed out.
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.StandardOutput, Does.Contain("No readable meta.properties files found."), run.ToString());
        Assert.That(Directory.Exists(node.LogDir), Is.False, "nothing written to log.dirs");
    }
}
