using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>DescribeConfigs, AlterConfigs and IncrementalAlterConfigs on topics and on this broker.</summary>
public class ConfigHandlerTests
{
    // Kafka's ConfigResource types and ConfigSource / ConfigType codes on the wire.
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte StaticBrokerConfig = 4;
    private const sbyte DefaultConfig = 5;
    private const sbyte LongType = 5;
    private const sbyte ListType = 7;

    private static async Task<GroupHarness> HarnessWithTopicAsync(Dictionary<string, string> overrides)
    {
        var harness = new GroupHarness();
        await harness.Metadata.CreateTopic("configured", 1, overrides);
        await harness.SettleAsync();
        return harness;
    }

    [TestCase((short)0)]
    [TestCase((short)4)]
    [HandlerVersionTest(ApiKey.DescribeConfigs, 0)]
    [HandlerVersionTest(ApiKey.DescribeConfigs, 4)]
    public async Task DescribeConfigsGivesEffectiveValuesAndWhereTheyComeFrom(short version)
    {
        await using var harness = await HarnessWithTopicAsync(new() { ["retention.ms"] = "1000" });
        var request = new DescribeConfigsRequestData
        {
            IncludeSynonyms = version >= 1,
            Resources =
            [
                new() { ResourceType = TopicResource, ResourceName = "configured", ConfigurationKeys = ["retention.ms", "cleanup.policy"] },
                new() { ResourceType = BrokerResource, ResourceName = "1", ConfigurationKeys = ["offsets.topic.num.partitions"] },
                new() { ResourceType = TopicResource, ResourceName = "missing", ConfigurationKeys = null },
            ],
        };

        var response = await harness.SendAsync<DescribeConfigsResponseData>(version, request);

        var topic = response.Results[0];
        Assert.That((topic.ErrorCode, topic.ResourceType, topic.ResourceName), Is.EqualTo(((short)0, TopicResource, "configured")));
        var configs = topic.Configs.ToDictionary(c => c.Name);
        Assert.That(configs.Keys, Is.EquivalentTo(new[] { "retention.ms", "cleanup.policy" }));
        Assert.That((configs["retention.ms"].Value, configs["cleanup.policy"].Value), Is.EqualTo(("1000", "delete")));
        var broker = response.Results[1].Configs.Single();
        Assert.That((broker.Name, broker.Value), Is.EqualTo(("offsets.topic.num.partitions", "3")), "the harness sets it in the broker's static config");
        Assert.That((ErrorCode)response.Results[2].ErrorCode, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
        if (version == 0)
        {
            Assert.That((configs["retention.ms"].IsDefault, configs["cleanup.policy"].IsDefault, broker.IsDefault), Is.EqualTo((false, true, false)));
            return;
        }
        Assert.That((configs["retention.ms"].ConfigSource, configs["cleanup.policy"].ConfigSource, broker.ConfigSource),
            Is.EqualTo((DynamicTopicConfig, DefaultConfig, StaticBrokerConfig)));
        // KIP-226: the synonyms start with the entry that gives the value, here the topic's override.
        var synonym = configs["retention.ms"].Synonyms[0];
        Assert.That((synonym.Name, synonym.Value, synonym.Source), Is.EqualTo(("retention.ms", "1000", DynamicTopicConfig)));
        if (version >= 3)
        {
            Assert.That((configs["retention.ms"].ConfigType, configs["cleanup.policy"].ConfigType), Is.EqualTo((LongType, ListType)));
            Assert.That(configs.Values.Select(c => c.Documentation), Is.All.Null, "documentation only when the request includes it");
        }
    }

    [TestCase((short)0)]
    [TestCase((short)2)]
    [HandlerVersionTest(ApiKey.AlterConfigs, 0)]
    [HandlerVersionTest(ApiKey.AlterConfigs, 2)]
    public async Task AlterConfigsReplacesEveryOverrideOfTheResource(short version)
    {
        await using var harness = await HarnessWithTopicAsync(new() { ["retention.ms"] = "1000" });
        var request = new AlterConfigsRequestData
        {
            Resources =
            [
                new()
                {
                    ResourceType = TopicResource,
                    ResourceName = "configured",
                    Configs = [new() { Name = "segment.ms", Value = "60000" }, new() { Name = "cleanup.policy", Value = "compact" }],
                },
                new() { ResourceType = TopicResource, ResourceName = "t", Configs = [new() { Name = "retention.ms", Value = "not-a-number" }] },
            ],
        };

        var response = await harness.SendAsync<AlterConfigsResponseData>(version, request);

        Assert.That(response.Responses.Select(r => (r.ResourceType, r.ResourceName)), Is.EqualTo(new[] { (TopicResource, "configured"), (TopicResource, "t") }));
        Assert.That(response.Responses[0].ErrorCode, Is.Zero);
        // The legacy API sets the whole set: retention.ms, not named, is back to its default.
        Assert.That(harness.Metadata.Image.Topic("configured")!.Configs, Is.EquivalentTo(new Dictionary<string, string> { ["segment.ms"] = "60000", ["cleanup.policy"] = "compact" }));
        Assert.That((ErrorCode)response.Responses[1].ErrorCode, Is.EqualTo(ErrorCode.InvalidConfig));
        Assert.That(harness.Metadata.Image.Topic("t")!.Configs, Is.Empty);
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [HandlerVersionTest(ApiKey.IncrementalAlterConfigs, 0)]
    [HandlerVersionTest(ApiKey.IncrementalAlterConfigs, 1)]
    public async Task IncrementalAlterConfigsChangesOnlyTheNamedConfigs(short version)
    {
        await using var harness = await HarnessWithTopicAsync(new() { ["retention.ms"] = "1000", ["segment.ms"] = "60000" });
        const sbyte set = 0, delete = 1;
        var request = new IncrementalAlterConfigsRequestData
        {
            Resources =
            [
                new()
                {
                    ResourceType = TopicResource,
                    ResourceName = "configured",
                    Configs =
                    [
                        new() { Name = "max.message.bytes", ConfigOperation = set, Value = "2048" },
                        new() { Name = "retention.ms", ConfigOperation = delete, Value = null },
                    ],
                },
                new() { ResourceType = TopicResource, ResourceName = "missing", Configs = [new() { Name = "retention.ms", ConfigOperation = set, Value = "1" }] },
            ],
        };

        var response = await harness.SendAsync<IncrementalAlterConfigsResponseData>(version, request);

        Assert.That(response.Responses.Select(r => r.ResourceName), Is.EqualTo(new[] { "configured", "missing" }));
        Assert.That(response.Responses[0].ErrorCode, Is.Zero);
        Assert.That(harness.Metadata.Image.Topic("configured")!.Configs, Is.EquivalentTo(new Dictionary<string, string> { ["segment.ms"] = "60000", ["max.message.bytes"] = "2048" }));
        Assert.That((ErrorCode)response.Responses[1].ErrorCode, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [HandlerVersionTest(ApiKey.IncrementalAlterConfigs, 0)]
    [HandlerVersionTest(ApiKey.IncrementalAlterConfigs, 1)]
    public async Task IncrementalAlterConfigsAppendsToAndSubtractsFromAListStartingAtItsDefault(short version)
    {
        await using var harness = new GroupHarness();
        const sbyte append = 2, subtract = 3;
        IncrementalAlterConfigsRequestData Change(sbyte operation, string value) => new()
        {
            Resources = [new() { ResourceType = TopicResource, ResourceName = "t", Configs = [new() { Name = "cleanup.policy", ConfigOperation = operation, Value = value }] }],
        };

        var appended = await harness.SendAsync<IncrementalAlterConfigsResponseData>(version, Change(append, "compact"));
        var afterAppend = harness.Metadata.Image.Topic("t")!.Configs["cleanup.policy"];
        var subtracted = await harness.SendAsync<IncrementalAlterConfigsResponseData>(version, Change(subtract, "delete"));

        // KIP-339: APPEND adds to the current value, which for a topic without an override is the default, "delete".
        Assert.That((appended.Responses.Single().ErrorCode, afterAppend), Is.EqualTo(((short)0, "delete,compact")));
        Assert.That((subtracted.Responses.Single().ErrorCode, harness.Metadata.Image.Topic("t")!.Configs["cleanup.policy"]), Is.EqualTo(((short)0, "compact")));
    }
}
