using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests;

/// <summary>A dynamic broker config the broker does not act on is named when it is set and again at every start-up.</summary>
[TestFixture]
public sealed class ConfigNotActedOnTests
{
    private InProcessBroker _broker = null!;

    [SetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync();

    [TearDown]
    public async Task StopBroker()
    {
        _broker.Log.ShowTailIfTestFailed(60);
        await _broker.DisposeAsync();
    }

    [Test]
    public async Task ADynamicBrokerConfigNotActedOnIsNamedWhenSetAndAfterARestart()
    {
        using (var admin = KafkaClients.Admin(_broker.BootstrapServers))
        {
            var changes = new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Broker, Name = "1" }] = [new ConfigEntry { Name = "min.insync.replicas", Value = "2", IncrementalOperation = AlterConfigOpType.Set }],
            };
            await admin.IncrementalAlterConfigsAsync(changes);
        }
        const string warning = "The configuration 'min.insync.replicas' is accepted but not acted on yet";
        Assert.That(_broker.Log.Tail(400), Does.Contain($"Warning KafkaCompat.Broker.Metadata.ConfigAdmin: Broker '1': {warning}"));

        await _broker.RestartAsync();

        Assert.That(_broker.Log.Tail(400), Does.Contain($"Warning KafkaCompat: {warning}"), "named at start-up, from the metadata log");
    }
}
