using System.Collections;
using KafkaCompat.Broker.Config;
using KafkaCompat.Server;
using KafkaCompat.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.IntegrationTests.Storage;

/// <summary>
/// Start-up of a node given process.roles (Kafka's KRaft node) in this process: the storage must be
/// formatted, and the formatted quorum must be one this node serves.
/// </summary>
[TestFixture]
public sealed class KRaftStartupTests
{
    private const string ClusterId = "XcZZOzUqS4yHOjhMQB6JLQ";

    private static int Format(QuickStartNode node, params string[] extra) =>
        StorageTool.Run(["format", "-t", ClusterId, "-c", node.ConfigFile, .. extra], TextWriter.Null, TextWriter.Null);

    private static BrokerConfig Config(QuickStartNode node) => ConfigLoader.Load([node.ConfigFile], new Hashtable()).Config;

    [Test]
    public async Task A_formatted_node_runs_with_the_formatted_cluster_id_across_restarts()
    {
        using var node = new QuickStartNode();
        Assert.That(Format(node, "--standalone"), Is.Zero);

        await using (var server = await KafkaCompatServer.StartAsync(Config(node), NullLoggerFactory.Instance))
        {
            Assert.That(server.Broker.ClusterId, Is.EqualTo(ClusterId));
        }
        await using var restarted = await KafkaCompatServer.StartAsync(Config(node), NullLoggerFactory.Instance);
        Assert.That(restarted.Broker.ClusterId, Is.EqualTo(ClusterId));
    }

    [Test]
    public void A_node_formatted_for_another_node_id_is_refused()
    {
        using var node = new QuickStartNode();
        Assert.That(Format(node, "--standalone"), Is.Zero);
        File.AppendAllLines(node.ConfigFile, ["node.id=2"]);

        Assert.That(async () => await KafkaCompatServer.StartAsync(Config(node), NullLoggerFactory.Instance), Throws.InvalidOperationException.With.Message.EqualTo(
            $"Stored node id 1 doesn't match previous node id 2 in {Path.Combine(node.LogDir, "meta.properties")}. " +
            "If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories."));
    }

    [Test]
    public void Initial_controllers_of_several_voters_are_refused_until_the_quorum_is_served()
    {
        using var node = new QuickStartNode();
        Assert.That(Format(node, "--initial-controllers", $"1@localhost:{node.ControllerPort}:JEXY6aqzQY-32P5TStzaFg,2@localhost:9094:MvDxzVmcRsaTz33bUuRU6A"), Is.Zero);

        Assert.That(async () => await KafkaCompatServer.StartAsync(Config(node), NullLoggerFactory.Instance), Throws.TypeOf<ConfigException>()
            .With.Message.Contains("names 2 voters (1,2)"));
    }

    [Test]
    public void A_node_formatted_to_join_an_existing_quorum_is_refused()
    {
        using var node = new QuickStartNode();
        Assert.That(Format(node, "--no-initial-controllers"), Is.Zero);

        Assert.That(async () => await KafkaCompatServer.StartAsync(Config(node), NullLoggerFactory.Instance), Throws.TypeOf<ConfigException>()
            .With.Message.Contains("formatted with --no-initial-controllers"));
    }
}
