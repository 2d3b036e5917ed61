using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// KIP-848's group configs through Confluent.Kafka 2.15.1's AdminClient (librdkafka 2.15.1 sends
/// ResourceType.Group as config resource type 32), what kafka-configs.sh --entity-type groups does:
/// set, described back as GROUP_CONFIG, refused outside the broker's bounds, kept across a restart.
/// </summary>
[TestFixture]
public sealed class GroupConfigAdminTests
{
    private const string Group = "configured-group";

    private InProcessBroker _broker = null!;

    [SetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync();

    [TearDown]
    public async Task StopBroker()
    {
        _broker.Log.ShowTailIfTestFailed(60);
        await _broker.DisposeAsync();
    }

    private static ConfigResource GroupResource(string name = Group) => new() { Type = ResourceType.Group, Name = name };

    private async Task<Dictionary<string, ConfigEntryResult>> DescribeAsync(string group = Group)
    {
        using var admin = KafkaClients.Admin(_broker.BootstrapServers);
        var results = await admin.DescribeConfigsAsync([GroupResource(group)]);
        return results.Single().Entries.Values.ToDictionary(e => e.Name);
    }

    [Test]
    public async Task AGroupConfigSetWithTheAdminClientIsDescribedBackAndSurvivesARestart()
    {
        var before = await DescribeAsync();
        Assert.That(before.Keys, Does.Contain("consumer.session.timeout.ms").And.Contain("share.record.lock.duration.ms").And.Contain("streams.num.standby.replicas"));
        Assert.That((before["consumer.session.timeout.ms"].Value, before["consumer.session.timeout.ms"].Source), Is.EqualTo(("45000", ConfigSource.DefaultConfig)));

        using (var admin = KafkaClients.Admin(_broker.BootstrapServers))
        {
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [GroupResource()] =
                [
                    new ConfigEntry { Name = "consumer.session.timeout.ms", Value = "50000", IncrementalOperation = AlterConfigOpType.Set },
                    new ConfigEntry { Name = "consumer.heartbeat.interval.ms", Value = "6000", IncrementalOperation = AlterConfigOpType.Set },
                ],
            });
        }
        var set = await DescribeAsync();
        Assert.That((set["consumer.session.timeout.ms"].Value, set["consumer.session.timeout.ms"].Source), Is.EqualTo(("50000", ConfigSource.GroupConfig)));
        Assert.That(set["consumer.heartbeat.interval.ms"].Value, Is.EqualTo("6000"));

        await _broker.RestartAsync();

        var restarted = await DescribeAsync();
        Assert.That((restarted["consumer.session.timeout.ms"].Value, restarted["consumer.session.timeout.ms"].Source), Is.EqualTo(("50000", ConfigSource.GroupConfig)), "read back from the metadata log");
        Assert.That(restarted["consumer.heartbeat.interval.ms"].Value, Is.EqualTo("6000"));
    }

    [Test]
    public void AValueOutsideTheBrokersBoundsIsRefusedWithInvalidConfig()
    {
        using var admin = KafkaClients.Admin(_broker.BootstrapServers);

        var refused = Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [GroupResource()] = [new ConfigEntry { Name = "consumer.session.timeout.ms", Value = "90000", IncrementalOperation = AlterConfigOpType.Set }],
        }));

        var error = refused!.Results.Single().Error;
        Assert.That((error.Code, error.Reason), Is.EqualTo((ErrorCode.InvalidConfig, "consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms")));
    }
}
