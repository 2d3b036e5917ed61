using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// KIP-848's GROUP config resource (type 32) through DescribeConfigs, IncrementalAlterConfigs and
/// AlterConfigs, as Kafka 4.2 serves it: every group config for any group id, the group's own values
/// as GROUP_CONFIG, the broker's group.* configs otherwise, Kafka's errors, and the configs kept in
/// the metadata log across a restart.
/// </summary>
public class GroupConfigHandlerTests
{
    private const sbyte GroupResource = 32;
    private const sbyte Set = 0;
    private const sbyte Delete = 1;

    // DescribeConfigs' ConfigSource and ConfigType codes on the wire.
    private const sbyte StaticBrokerConfig = 4;
    private const sbyte DefaultConfig = 5;
    private const sbyte GroupConfigSource = 8;
    private const sbyte StringType = 2;
    private const sbyte IntType = 3;

    /// <summary>Kafka 4.2's group configs (the GroupConfig definitions of its documentation).</summary>
    private static readonly string[] KafkaGroupConfigs =
    [
        "consumer.heartbeat.interval.ms", "consumer.session.timeout.ms",
        "share.auto.offset.reset", "share.heartbeat.interval.ms", "share.isolation.level", "share.record.lock.duration.ms", "share.session.timeout.ms",
        "streams.heartbeat.interval.ms", "streams.initial.rebalance.delay.ms", "streams.num.standby.replicas", "streams.session.timeout.ms",
    ];

    /// <summary>IncrementalAlterConfigs v1 on one group, as kafka-configs.sh --entity-type groups sends it.</summary>
    internal static Task<IncrementalAlterConfigsResponseData> AlterAsync(GroupHarness h, string group, params (string Name, sbyte Operation, string? Value)[] configs) =>
        h.SendAsync<IncrementalAlterConfigsResponseData>(1, new IncrementalAlterConfigsRequestData
        {
            Resources =
            [
                new()
                {
                    ResourceType = GroupResource,
                    ResourceName = group,
                    Configs = [.. configs.Select(c => new IncrementalAlterConfigsRequestData.AlterableConfig { Name = c.Name, ConfigOperation = c.Operation, Value = c.Value })],
                },
            ],
        });

    private static async Task<DescribeConfigsResponseData.DescribeConfigsResult> DescribeAsync(GroupHarness h, string group, short version = 4, params string[] keys)
    {
        var response = await h.SendAsync<DescribeConfigsResponseData>(version, new DescribeConfigsRequestData
        {
            IncludeSynonyms = version >= 1,
            Resources = [new() { ResourceType = GroupResource, ResourceName = group, ConfigurationKeys = keys.Length == 0 ? null : [.. keys] }],
        });
        return response.Results.Single();
    }

    [Test]
    public async Task AGroupWithNoConfigsIsDescribedWithEveryGroupConfigAtTheBrokersValues()
    {
        await using var h = new GroupHarness(new() { ["group.consumer.heartbeat.interval.ms"] = "7000" });

        var result = await DescribeAsync(h, "no-such-group");

        Assert.That((ErrorCode)result.ErrorCode, Is.EqualTo(ErrorCode.None), "the group need not exist");
        Assert.That((result.ResourceType, result.ResourceName), Is.EqualTo((GroupResource, "no-such-group")));
        var configs = result.Configs.ToDictionary(c => c.Name);
        Assert.That(configs.Keys, Is.EquivalentTo(KafkaGroupConfigs));
        Assert.That(configs.Values.Select(c => (c.ReadOnly, c.IsSensitive)), Is.All.EqualTo((false, false)));

        var heartbeat = configs["consumer.heartbeat.interval.ms"];
        Assert.That((heartbeat.Value, heartbeat.ConfigSource, heartbeat.ConfigType), Is.EqualTo(("7000", StaticBrokerConfig, IntType)), "the broker's group.consumer.heartbeat.interval.ms");
        Assert.That(heartbeat.Synonyms.Select(s => (s.Name, s.Value, s.Source)), Is.EqualTo(new[]
        {
            ("group.consumer.heartbeat.interval.ms", "7000", StaticBrokerConfig),
            ("group.consumer.heartbeat.interval.ms", "5000", DefaultConfig),
        }));
        var session = configs["consumer.session.timeout.ms"];
        Assert.That((session.Value, session.ConfigSource), Is.EqualTo(("45000", DefaultConfig)));
        Assert.That((configs["share.record.lock.duration.ms"].Value, configs["streams.num.standby.replicas"].Value, configs["streams.initial.rebalance.delay.ms"].Value),
            Is.EqualTo(("30000", "0", "3000")));
        // No broker config stands behind these two: Kafka's own default, under the group config's name.
        var reset = configs["share.auto.offset.reset"];
        Assert.That((reset.Value, reset.ConfigSource, reset.ConfigType), Is.EqualTo(("latest", DefaultConfig, StringType)));
        Assert.That(reset.Synonyms.Select(s => (s.Name, s.Value, s.Source)), Is.EqualTo(new[] { ("share.auto.offset.reset", "latest", DefaultConfig) }));
        Assert.That(configs["share.isolation.level"].Value, Is.EqualTo("read_uncommitted"));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    public async Task AConfigSetOnTheGroupIsDescribedAsAGroupConfigAndDeletedBackToTheBrokers(short version)
    {
        await using var h = new GroupHarness();

        var set = await AlterAsync(h, "g1", ("consumer.session.timeout.ms", Set, "50000"), ("share.auto.offset.reset", Set, "by_duration:PT1H"));
        Assert.That((ErrorCode)set.Responses.Single().ErrorCode, Is.EqualTo(ErrorCode.None), set.Responses.Single().ErrorMessage);
        Assert.That(set.Responses.Single().ResourceType, Is.EqualTo(GroupResource));

        var described = await DescribeAsync(h, "g1", 4, "consumer.session.timeout.ms", "share.auto.offset.reset");
        var configs = described.Configs.ToDictionary(c => c.Name);
        Assert.That(configs.Keys, Is.EquivalentTo(new[] { "consumer.session.timeout.ms", "share.auto.offset.reset" }), "only the keys asked for");
        Assert.That((configs["consumer.session.timeout.ms"].Value, configs["consumer.session.timeout.ms"].ConfigSource), Is.EqualTo(("50000", GroupConfigSource)));
        Assert.That(configs["consumer.session.timeout.ms"].Synonyms.Select(s => (s.Name, s.Value, s.Source)), Is.EqualTo(new[]
        {
            ("consumer.session.timeout.ms", "50000", GroupConfigSource),
            ("group.consumer.session.timeout.ms", "45000", DefaultConfig),
        }));
        Assert.That((configs["share.auto.offset.reset"].Value, configs["share.auto.offset.reset"].ConfigSource), Is.EqualTo(("by_duration:PT1H", GroupConfigSource)));
        var other = await DescribeAsync(h, "g2", 4, "consumer.session.timeout.ms");
        Assert.That(other.Configs.Single().Value, Is.EqualTo("45000"), "another group keeps the broker's value");

        var deleted = await h.SendAsync<IncrementalAlterConfigsResponseData>(version, new IncrementalAlterConfigsRequestData
        {
            Resources = [new() { ResourceType = GroupResource, ResourceName = "g1", Configs = [new() { Name = "consumer.session.timeout.ms", ConfigOperation = Delete }] }],
        });
        Assert.That(deleted.Responses.Single().ErrorCode, Is.Zero);
        var after = (await DescribeAsync(h, "g1", 4, "consumer.session.timeout.ms")).Configs.Single();
        Assert.That((after.Value, after.ConfigSource), Is.EqualTo(("45000", DefaultConfig)));
        Assert.That(h.Metadata.Image.GroupConfigsOf("g1"), Is.EquivalentTo(new Dictionary<string, string> { ["share.auto.offset.reset"] = "by_duration:PT1H" }));
    }

    [Test]
    public async Task DescribeConfigsV0GivesIsDefaultForAGroupConfig()
    {
        await using var h = new GroupHarness();
        await AlterAsync(h, "g1", ("consumer.heartbeat.interval.ms", Set, "6000"));

        var configs = (await DescribeAsync(h, "g1", 0, "consumer.heartbeat.interval.ms", "consumer.session.timeout.ms")).Configs.ToDictionary(c => c.Name);

        Assert.That((configs["consumer.heartbeat.interval.ms"].IsDefault, configs["consumer.session.timeout.ms"].IsDefault), Is.EqualTo((false, true)));
    }

    // Kafka's bounds: group.consumer.{min,max}.session.timeout.ms 45000/60000, heartbeat 5000/15000,
    // group.share.{min,max}.record.lock.duration.ms 15000/60000, group.streams.max.standby.replicas 2.
    [TestCase("consumer.session.timeout.ms", "44999", "consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms")]
    [TestCase("consumer.session.timeout.ms", "60001", "consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms")]
    [TestCase("consumer.heartbeat.interval.ms", "4999", "consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms")]
    [TestCase("consumer.heartbeat.interval.ms", "15001", "consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms")]
    [TestCase("share.record.lock.duration.ms", "14999", "share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms")]
    [TestCase("share.session.timeout.ms", "70000", "share.session.timeout.ms must be less than or equal to group.share.max.session.timeout.ms")]
    [TestCase("streams.num.standby.replicas", "3", "streams.num.standby.replicas must be less than or equal to group.streams.max.standby.replicas")]
    [TestCase("consumer.session.timeout.ms", "abc", "Invalid value abc for configuration consumer.session.timeout.ms: Not a number of type INT")]
    [TestCase("consumer.session.timeout.ms", "0", "Invalid value 0 for configuration consumer.session.timeout.ms: Value must be at least 1")]
    [TestCase("share.isolation.level", "read_commit", "Invalid value read_commit for configuration share.isolation.level: String must be one of: read_committed, read_uncommitted")]
    [TestCase("group.consumer.session.timeout.ms", "50000", "Unknown group config name: group.consumer.session.timeout.ms")]
    [TestCase("share.auto.offset.reset", "none", "Invalid value none for configuration share.auto.offset.reset: Invalid value `none` for configuration share.auto.offset.reset. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.")]
    public async Task AValueKafkaRefusesIsAnInvalidConfigAndChangesNothing(string name, string value, string message)
    {
        await using var h = new GroupHarness();

        var response = (await AlterAsync(h, "g1", (name, Set, value))).Responses.Single();

        Assert.That(((ErrorCode)response.ErrorCode, response.ErrorMessage), Is.EqualTo((ErrorCode.InvalidConfig, message)));
        Assert.That(h.Metadata.Image.GroupConfigs, Is.Empty);
    }

    [Test]
    public async Task ASessionTimeoutMustOutlastTheHeartbeatIntervalTheGroupWouldHave()
    {
        // The broker's own values are within bounds and apart; the group narrows them until they meet.
        await using var h = new GroupHarness(new() { ["group.consumer.min.session.timeout.ms"] = "10000", ["group.consumer.max.heartbeat.interval.ms"] = "20000" });

        var meeting = (await AlterAsync(h, "g1", ("consumer.heartbeat.interval.ms", Set, "12000"), ("consumer.session.timeout.ms", Set, "12000"))).Responses.Single();
        Assert.That(((ErrorCode)meeting.ErrorCode, meeting.ErrorMessage),
            Is.EqualTo((ErrorCode.InvalidConfig, "consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms")));

        // Set alone, the session timeout is checked against the broker's heartbeat interval (5000).
        Assert.That((await AlterAsync(h, "g1", ("consumer.session.timeout.ms", Set, "10000"))).Responses.Single().ErrorCode, Is.Zero);
        // ...and a heartbeat interval set later against the session timeout the group already has.
        var later = (await AlterAsync(h, "g1", ("consumer.heartbeat.interval.ms", Set, "10000"))).Responses.Single();
        Assert.That(((ErrorCode)later.ErrorCode, later.ErrorMessage),
            Is.EqualTo((ErrorCode.InvalidConfig, "consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms")));
    }

    [Test]
    public async Task ABrokerValueOutsideTheBoundsDoesNotBlockTheGroupsOtherConfigs()
    {
        // Kafka would not start with these; this broker does (its tests use short sessions), and a group can still be configured.
        await using var h = new GroupHarness(new() { ["group.consumer.session.timeout.ms"] = "6000", ["group.consumer.heartbeat.interval.ms"] = "500" });

        var response = (await AlterAsync(h, "g1", ("share.isolation.level", Set, "read_committed"))).Responses.Single();

        Assert.That(response.ErrorCode, Is.Zero, response.ErrorMessage);
    }

    [Test]
    public async Task AnEmptyGroupNameIsAnInvalidRequest()
    {
        await using var h = new GroupHarness();

        var altered = (await AlterAsync(h, "", ("consumer.session.timeout.ms", Set, "50000"))).Responses.Single();
        var described = await DescribeAsync(h, "");

        Assert.That(((ErrorCode)altered.ErrorCode, altered.ErrorMessage), Is.EqualTo((ErrorCode.InvalidRequest, "Default group resources are not allowed.")));
        Assert.That(((ErrorCode)described.ErrorCode, described.ErrorMessage, described.Configs.Count), Is.EqualTo((ErrorCode.InvalidRequest, "Group name must not be empty", 0)));
    }

    [Test]
    public async Task ValidateOnlyChecksWithoutWriting()
    {
        await using var h = new GroupHarness();

        var response = await h.SendAsync<IncrementalAlterConfigsResponseData>(1, new IncrementalAlterConfigsRequestData
        {
            ValidateOnly = true,
            Resources = [new() { ResourceType = GroupResource, ResourceName = "g1", Configs = [new() { Name = "consumer.session.timeout.ms", ConfigOperation = Set, Value = "50000" }] }],
        });

        Assert.That(response.Responses.Single().ErrorCode, Is.Zero);
        Assert.That(h.Metadata.Image.GroupConfigs, Is.Empty);
    }

    [TestCase((short)0)]
    [TestCase((short)2)]
    public async Task TheLegacyAlterConfigsReplacesEveryConfigOfTheGroup(short version)
    {
        await using var h = new GroupHarness();
        await AlterAsync(h, "g1", ("consumer.session.timeout.ms", Set, "50000"), ("share.isolation.level", Set, "read_committed"));

        var response = await h.SendAsync<AlterConfigsResponseData>(version, new AlterConfigsRequestData
        {
            Resources =
            [
                new() { ResourceType = GroupResource, ResourceName = "g1", Configs = [new() { Name = "consumer.heartbeat.interval.ms", Value = "6000" }] },
                new() { ResourceType = GroupResource, ResourceName = "g2", Configs = [new() { Name = "consumer.heartbeat.interval.ms", Value = null }] },
            ],
        });

        Assert.That(response.Responses[0].ErrorCode, Is.Zero);
        Assert.That(h.Metadata.Image.GroupConfigsOf("g1"), Is.EquivalentTo(new Dictionary<string, string> { ["consumer.heartbeat.interval.ms"] = "6000" }));
        Assert.That(((ErrorCode)response.Responses[1].ErrorCode, response.Responses[1].ErrorMessage),
            Is.EqualTo((ErrorCode.InvalidConfig, "Null value not supported for group configs: consumer.heartbeat.interval.ms")));
    }

    [Test]
    public async Task GroupConfigsSurviveARestartAndASnapshot()
    {
        await using var h = new GroupHarness();
        await AlterAsync(h, "g1", ("consumer.session.timeout.ms", Set, "50000"));
        await AlterAsync(h, "g2", ("streams.num.standby.replicas", Set, "1"));
        await AlterAsync(h, "g2", ("streams.num.standby.replicas", Delete, null));

        await h.RestartAsync();

        Assert.That(h.Metadata.Image.GroupConfigs.Keys, Is.EquivalentTo(new[] { "g1" }), "a group whose last config was deleted has none");
        var described = (await DescribeAsync(h, "g1", 4, "consumer.session.timeout.ms")).Configs.Single();
        Assert.That((described.Value, described.ConfigSource), Is.EqualTo(("50000", GroupConfigSource)));
        // What a snapshot holds rebuilds the same group configs.
        var rebuilt = MetadataImage.Empty.ApplyAll(h.Metadata.Image.ToRecords());
        Assert.That(rebuilt.GroupConfigsOf("g1"), Is.EquivalentTo(new Dictionary<string, string> { ["consumer.session.timeout.ms"] = "50000" }));
    }
}
