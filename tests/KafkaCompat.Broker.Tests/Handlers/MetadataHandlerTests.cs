using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>Metadata, DescribeCluster and DescribeTopicPartitions: what a client learns of the cluster and its topics.</summary>
public class MetadataHandlerTests
{
    private const int NodeId = 1;

    [TestCase((short)0)]
    [TestCase((short)12)]
    [TestCase((short)13)]
    [HandlerVersionTest(ApiKey.Metadata, 0)]
    [HandlerVersionTest(ApiKey.Metadata, 12)]
    [HandlerVersionTest(ApiKey.Metadata, 13)]
    public async Task MetadataAnswersTheTopicsPartitionsAndTheirLeader(short version)
    {
        await using var harness = new GroupHarness();
        var request = new MetadataRequestData { Topics = [new MetadataRequestData.MetadataRequestTopic { Name = "t" }] };

        var response = await harness.SendAsync<MetadataResponseData>(version, request);

        var broker = response.Brokers.Single();
        Assert.That((broker.NodeId, broker.Host, broker.Port), Is.EqualTo((NodeId, "localhost", 9092)), "the default listener PLAINTEXT://localhost:9092");
        var topic = response.Topics.Single();
        Assert.That((topic.Name, topic.ErrorCode), Is.EqualTo(("t", (short)0)));
        Assert.That(topic.Partitions.Select(p => p.PartitionIndex), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(topic.Partitions.Select(p => (p.ErrorCode, p.LeaderId)), Is.All.EqualTo(((short)0, NodeId)));
        Assert.That(topic.Partitions.Select(p => p.ReplicaNodes.Single()), Is.All.EqualTo(NodeId));
        Assert.That(topic.Partitions.Select(p => p.IsrNodes.Single()), Is.All.EqualTo(NodeId));
        if (version >= 2)
        {
            Assert.That(response.ClusterId, Is.EqualTo("test-cluster"));
            Assert.That(response.ControllerId, Is.EqualTo(NodeId));
        }
        if (version >= 10)
        {
            Assert.That(topic.TopicId, Is.Not.EqualTo(Uuid.Zero));
        }
        // KIP-1102's top-level error: none in an answer.
        Assert.That(response.ErrorCode, Is.Zero);
    }

    [Test]
    [HandlerVersionTest(ApiKey.Metadata, 13)]
    public async Task MetadataV13ErrorResponseCarriesTheErrorAtTheTopAndOnTheTopicsAsked()
    {
        await using var harness = new GroupHarness();
        var request = new MetadataRequestData { Topics = [new MetadataRequestData.MetadataRequestTopic { Name = "t" }] };
        var handler = harness.Handlers.Handlers.Single(h => h.ApiKey == ApiKey.Metadata);

        var response = (MetadataResponseData)handler.ErrorResponse(request, 13, ErrorCode.UnknownServerError, "failed");

        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.UnknownServerError));
        Assert.That(response.Topics.Select(t => (t.Name, (ErrorCode)t.ErrorCode)), Is.EqualTo(new[] { ("t", ErrorCode.UnknownServerError) }));
        // Before v13 the field does not exist: the error response leaves it at its default so that v12 can encode it.
        Assert.That(((MetadataResponseData)handler.ErrorResponse(request, 12, ErrorCode.UnknownServerError, "failed")).ErrorCode, Is.Zero);
    }

    [Test]
    [HandlerVersionTest(ApiKey.Metadata, 0)]
    public async Task MetadataV0CreatesAnUnknownTopicWithTheDefaultPartitions()
    {
        await using var harness = new GroupHarness(new() { ["num.partitions"] = "2" });
        var request = new MetadataRequestData { Topics = [new MetadataRequestData.MetadataRequestTopic { Name = "fresh" }] };

        var topic = (await harness.SendAsync<MetadataResponseData>(0, request)).Topics.Single();

        Assert.That((topic.Name, topic.ErrorCode, topic.Partitions.Count), Is.EqualTo(("fresh", (short)0, 2)));
        Assert.That(harness.Metadata.Image.Topic("fresh"), Is.Not.Null);
    }

    [Test]
    [HandlerVersionTest(ApiKey.Metadata, 12)]
    public async Task MetadataV12LeavesAnUnknownTopicAloneWhenAutoCreationIsNotAllowedAndFindsTopicsById()
    {
        await using var harness = new GroupHarness();
        var id = harness.Metadata.Image.Topic("other")!.Id;
        var request = new MetadataRequestData
        {
            AllowAutoTopicCreation = false,
            Topics = [new MetadataRequestData.MetadataRequestTopic { Name = "fresh" }, new MetadataRequestData.MetadataRequestTopic { Name = null, TopicId = id }],
        };

        var response = await harness.SendAsync<MetadataResponseData>(12, request);

        Assert.That(response.Topics[0].ErrorCode, Is.EqualTo((short)ErrorCode.UnknownTopicOrPartition));
        Assert.That(harness.Metadata.Image.Topic("fresh"), Is.Null);
        Assert.That((response.Topics[1].Name, response.Topics[1].TopicId, response.Topics[1].Partitions.Count), Is.EqualTo(("other", id, 1)));
    }

    [TestCase((short)0)]
    [TestCase((short)12)]
    [HandlerVersionTest(ApiKey.Metadata, 0)]
    [HandlerVersionTest(ApiKey.Metadata, 12)]
    public async Task MetadataForEveryTopicIsAnEmptyListInV0AndANullOneLater(short version)
    {
        await using var harness = new GroupHarness();

        var every = await harness.SendAsync<MetadataResponseData>(version, new MetadataRequestData { Topics = version == 0 ? [] : null });

        Assert.That(every.Topics.Select(t => t.Name), Is.SupersetOf(new[] { "t", "other" }));
        Assert.That(every.Topics.Select(t => t.Name), Is.Unique);
        if (version >= 1)
        {
            var none = await harness.SendAsync<MetadataResponseData>(version, new MetadataRequestData { Topics = [] });
            Assert.That(none.Topics, Is.Empty, "from v1 an empty list asks for no topic");
            Assert.That(none.Brokers, Has.Count.EqualTo(1));
        }
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [TestCase((short)2)]
    [HandlerVersionTest(ApiKey.DescribeCluster, 0)]
    [HandlerVersionTest(ApiKey.DescribeCluster, 1)]
    [HandlerVersionTest(ApiKey.DescribeCluster, 2)]
    public async Task DescribeClusterNamesThisNodeAsBrokerAndController(short version)
    {
        await using var harness = new GroupHarness();
        // v2 (KIP-1073) may ask for fenced brokers as well: this node is the only broker, and unfenced.
        var request = new DescribeClusterRequestData { IncludeClusterAuthorizedOperations = true, IncludeFencedBrokers = version >= 2 };

        var response = await harness.SendAsync<DescribeClusterResponseData>(version, request);

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That((response.ClusterId, response.ControllerId), Is.EqualTo(("test-cluster", NodeId)));
        var broker = response.Brokers.Single();
        Assert.That((broker.BrokerId, broker.Host, broker.Port, broker.IsFenced), Is.EqualTo((NodeId, "localhost", 9092, false)));
        // Without an authorizer every cluster operation is allowed: CREATE(5), ALTER(7), DESCRIBE(8), ... and never READ(3).
        Assert.That(response.ClusterAuthorizedOperations & (1 << 8), Is.Not.Zero);
        Assert.That(response.ClusterAuthorizedOperations & (1 << 3), Is.Zero);
        if (version >= 1)
        {
            Assert.That(response.EndpointType, Is.EqualTo((sbyte)1));
        }
    }

    [Test]
    [HandlerVersionTest(ApiKey.DescribeCluster, 1)]
    public async Task DescribeClusterV1ForControllersIsMismatchedEndpointTypeOnABroker()
    {
        await using var harness = new GroupHarness();
        var response = await harness.SendAsync<DescribeClusterResponseData>(1, new DescribeClusterRequestData { EndpointType = 2 });
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.MismatchedEndpointType));
    }

    [Test]
    [HandlerVersionTest(ApiKey.DescribeTopicPartitions, 0)]
    public async Task DescribeTopicPartitionsPagesByPartitionWithACursor()
    {
        await using var harness = new GroupHarness();
        var request = new DescribeTopicPartitionsRequestData
        {
            Topics = [new() { Name = "t" }, new() { Name = "other" }, new() { Name = "missing" }],
            ResponsePartitionLimit = 2,
        };

        var first = await harness.SendAsync<DescribeTopicPartitionsResponseData>(0, request);

        // Topics in name order: "missing", "other" (1 partition), then "t" (3), cut after two partitions.
        Assert.That(first.Topics.Select(t => (t.Name, t.ErrorCode)), Is.EqualTo(new[]
        {
            ("missing", (short)ErrorCode.UnknownTopicOrPartition), ("other", (short)0), ("t", (short)0),
        }));
        Assert.That(first.Topics[1].Partitions.Select(p => (p.PartitionIndex, p.LeaderId)), Is.EqualTo(new[] { (0, NodeId) }));
        Assert.That(first.Topics[2].Partitions.Select(p => p.PartitionIndex), Is.EqualTo(new[] { 0 }));
        Assert.That((first.NextCursor?.TopicName, first.NextCursor?.PartitionIndex), Is.EqualTo(("t", 1)));

        request.Cursor = new DescribeTopicPartitionsRequestData.CursorData { TopicName = "t", PartitionIndex = 1 };
        var second = await harness.SendAsync<DescribeTopicPartitionsResponseData>(0, request);

        Assert.That(second.Topics.Select(t => t.Name), Is.EqualTo(new[] { "t" }));
        Assert.That(second.Topics[0].Partitions.Select(p => p.PartitionIndex), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(second.NextCursor, Is.Null);
    }
}
