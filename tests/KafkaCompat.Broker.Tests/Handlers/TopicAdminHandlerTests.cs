using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>CreateTopics, DeleteTopics and CreatePartitions change the topics every later request sees.</summary>
public class TopicAdminHandlerTests
{
    // Kafka's ConfigSource codes on the wire.
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte DefaultConfig = 5;

    private static CreateTopicsRequestData CreateRequest(string name, int partitions, short replicationFactor, bool validateOnly = false) => new()
    {
        TimeoutMs = 30_000,
        ValidateOnly = validateOnly,
        Topics =
        [
            new CreateTopicsRequestData.CreatableTopic
            {
                Name = name,
                NumPartitions = partitions,
                ReplicationFactor = replicationFactor,
                Configs = [new CreateTopicsRequestData.CreatableTopicConfig { Name = "retention.ms", Value = "3600000" }],
            },
        ],
    };

    [TestCase((short)0)]
    [TestCase((short)7)]
    [HandlerVersionTest(ApiKey.CreateTopics, 0)]
    [HandlerVersionTest(ApiKey.CreateTopics, 7)]
    public async Task CreateTopicsCreatesTheTopicWithItsPartitionsAndConfigs(short version)
    {
        await using var harness = new GroupHarness();

        var response = await harness.SendAsync<CreateTopicsResponseData>(version, CreateRequest("created", 2, 1));

        var result = response.Topics.Single();
        Assert.That((result.Name, result.ErrorCode), Is.EqualTo(("created", (short)0)));
        var topic = harness.Metadata.Image.Topic("created");
        Assert.That(topic, Is.Not.Null);
        Assert.That(topic!.Partitions.Length, Is.EqualTo(2));
        Assert.That(topic.Configs["retention.ms"], Is.EqualTo("3600000"));
        Assert.That(harness.Replicas.GetPartition("created", 1), Is.Not.Null, "the partitions' logs exist");
        if (version >= 7)
        {
            // KIP-525: the created topic described back; KIP-516: with its id.
            Assert.That((result.NumPartitions, result.ReplicationFactor, result.TopicId), Is.EqualTo((2, (short)1, topic.Id)));
            var configs = result.Configs!.ToDictionary(c => c.Name);
            Assert.That((configs["retention.ms"].Value, configs["retention.ms"].ConfigSource), Is.EqualTo(("3600000", DynamicTopicConfig)));
            Assert.That((configs["cleanup.policy"].Value, configs["cleanup.policy"].ConfigSource), Is.EqualTo(("delete", DefaultConfig)));
        }
    }

    [TestCase((short)0)]
    [TestCase((short)7)]
    [HandlerVersionTest(ApiKey.CreateTopics, 0)]
    [HandlerVersionTest(ApiKey.CreateTopics, 7)]
    public async Task CreateTopicsRefusesAReplicationFactorOneNodeCannotHold(short version)
    {
        await using var harness = new GroupHarness();

        var result = (await harness.SendAsync<CreateTopicsResponseData>(version, CreateRequest("replicated", 1, 3))).Topics.Single();

        Assert.That((ErrorCode)result.ErrorCode, Is.EqualTo(ErrorCode.InvalidReplicationFactor));
        Assert.That(harness.Metadata.Image.Topic("replicated"), Is.Null);
        if (version >= 1)
        {
            Assert.That(result.ErrorMessage, Does.Contain("only 1 broker"));
        }
    }

    [Test]
    [HandlerVersionTest(ApiKey.CreateTopics, 7)]
    public async Task CreateTopicsValidateOnlyDescribesTheTopicWithoutCreatingIt()
    {
        await using var harness = new GroupHarness();

        var result = (await harness.SendAsync<CreateTopicsResponseData>(7, CreateRequest("checked", 4, 1, validateOnly: true))).Topics.Single();

        Assert.That((result.ErrorCode, result.NumPartitions), Is.EqualTo(((short)0, 4)));
        Assert.That(harness.Metadata.Image.Topic("checked"), Is.Null);
    }

    [TestCase((short)0)]
    [TestCase((short)6)]
    [HandlerVersionTest(ApiKey.DeleteTopics, 0)]
    [HandlerVersionTest(ApiKey.DeleteTopics, 6)]
    public async Task DeleteTopicsRemovesTheTopicAndItsLogs(short version)
    {
        await using var harness = new GroupHarness();
        var id = harness.Metadata.Image.Topic("other")!.Id;
        var request = new DeleteTopicsRequestData { TimeoutMs = 30_000 };
        if (version >= 6)
        {
            // v6 names topics by id (KIP-516); the answer gives the name back.
            request.Topics = [new DeleteTopicsRequestData.DeleteTopicState { Name = null, TopicId = id }, new DeleteTopicsRequestData.DeleteTopicState { Name = null, TopicId = Uuid.NewRandom() }];
        }
        else
        {
            request.TopicNames = ["other", "never-created"];
        }

        var response = await harness.SendAsync<DeleteTopicsResponseData>(version, request);

        Assert.That((response.Responses[0].Name, response.Responses[0].ErrorCode), Is.EqualTo(("other", (short)0)));
        Assert.That(harness.Metadata.Image.Topic("other"), Is.Null);
        Assert.That(harness.Replicas.GetPartition("other", 0), Is.Null);
        Assert.That(harness.Metadata.Image.Topic("t"), Is.Not.Null, "only the named topic goes");
        var unknown = version >= 6 ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition;
        Assert.That((ErrorCode)response.Responses[1].ErrorCode, Is.EqualTo(unknown));
        if (version >= 6)
        {
            Assert.That(response.Responses[0].TopicId, Is.EqualTo(id));
        }
    }

    [TestCase((short)0)]
    [TestCase((short)3)]
    [HandlerVersionTest(ApiKey.CreatePartitions, 0)]
    [HandlerVersionTest(ApiKey.CreatePartitions, 3)]
    public async Task CreatePartitionsGrowsATopicAndNeverShrinksOne(short version)
    {
        await using var harness = new GroupHarness();
        var request = new CreatePartitionsRequestData
        {
            TimeoutMs = 30_000,
            Topics =
            [
                new CreatePartitionsRequestData.CreatePartitionsTopic { Name = "t", Count = 5, Assignments = null },
                new CreatePartitionsRequestData.CreatePartitionsTopic { Name = "other", Count = 0, Assignments = null },
            ],
        };

        var response = await harness.SendAsync<CreatePartitionsResponseData>(version, request);

        Assert.That(response.Results.Select(r => r.Name), Is.EqualTo(new[] { "t", "other" }));
        Assert.That(response.Results[0].ErrorCode, Is.Zero);
        Assert.That(harness.Metadata.Image.Topic("t")!.Partitions.Length, Is.EqualTo(5));
        Assert.That(harness.Replicas.GetPartition("t", 4), Is.Not.Null);
        Assert.That((ErrorCode)response.Results[1].ErrorCode, Is.EqualTo(ErrorCode.InvalidPartitions));
        Assert.That(harness.Metadata.Image.Topic("other")!.Partitions.Length, Is.EqualTo(1));
    }

    [TestCase((short)0)]
    [TestCase((short)7)]
    [HandlerVersionTest(ApiKey.CreateTopics, 0)]
    [HandlerVersionTest(ApiKey.CreateTopics, 7)]
    public async Task CreateTopicsRefusesANameThatCollidesWithAnExistingOneInMetricNames(short version)
    {
        await using var harness = new GroupHarness();
        Assert.That((await harness.SendAsync<CreateTopicsResponseData>(version, CreateRequest("orders.eu", 1, 1))).Topics.Single().ErrorCode, Is.Zero);

        // Kafka's documented limit: '.' and '_' are the same in metric names, so these two topics cannot both exist.
        var result = (await harness.SendAsync<CreateTopicsResponseData>(version, CreateRequest("orders_eu", 1, 1))).Topics.Single();

        Assert.That((ErrorCode)result.ErrorCode, Is.EqualTo(ErrorCode.InvalidTopicException));
        Assert.That(harness.Metadata.Image.Topic("orders_eu"), Is.Null);
    }
}

