using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.Broker.Lifecycle;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// The node registers itself with its controller at start-up (KIP-631) and clients see the broker as it
/// registered, rack included: Confluent.Kafka's DescribeCluster and Metadata, and kcat -L.
/// </summary>
[TestFixture]
public sealed class BrokerRegistrationTests : InProcessBrokerTests
{
    private const string Rack = "rack-eu-1";

    private protected override string[] Overrides => [$"broker.rack={Rack}"];

    [Test]
    public async Task AdminClientSeesTheRegisteredBrokerWithItsRack()
    {
        Assert.That(Broker.Lifecycle.State, Is.EqualTo(BrokerLifecycleState.Running), "start-up returns once the broker is unfenced");
        using var admin = Admin(Bootstrap);

        var cluster = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = DefaultTimeout });
        var metadata = admin.GetMetadata(DefaultTimeout);

        var port = int.Parse(Bootstrap.Split(':')[^1]);
        Assert.That(cluster.Nodes.Select(n => (n.Id, n.Port, n.Rack)), Is.EqualTo(new[] { (1, port, Rack) }));
        Assert.That(metadata.Brokers.Select(b => (b.BrokerId, b.Port)), Is.EqualTo(new[] { (1, port) }));
    }

    [Test]
    public async Task KcatListsTheBrokerItsControllerRegistered()
    {
        var list = await ExternalCommand.RunAsync("/usr/bin/kcat", ["-b", Bootstrap, "-L"]);

        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        var port = Bootstrap.Split(':')[^1];
        Assert.That(list.StandardOutput, Does.Contain($"1 brokers:\n  broker 1 at 127.0.0.1:{port} (controller)"));
    }
}
