using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Tests.Handlers;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>
/// The share-group state APIs (KIP-932) and FindCoordinator key type SHARE through the handler
/// table, both bodies through the wire format at the version asked.
/// </summary>
public class ShareGroupStateHandlerTests
{
    private const string Group = ShareStateHarness.Group;

    [Test]
    [HandlerVersionTest(ApiKey.InitializeShareGroupState, 0)]
    [HandlerVersionTest(ApiKey.ReadShareGroupState, 0)]
    public async Task InitializeThenReadAnswersTheStateEpochAndStartOffsetPerPartition()
    {
        await using var harness = new ShareStateHarness();
        var topicId = harness.TopicId;

        var initialized = await harness.Broker.SendAsync<InitializeShareGroupStateResponseData>(0, new InitializeShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 0, StateEpoch = 1, StartOffset = 10 }, new() { Partition = 1, StateEpoch = 1, StartOffset = 20 }] }],
        });
        var read = await harness.Broker.SendAsync<ReadShareGroupStateResponseData>(0, new ReadShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 1, LeaderEpoch = 0 }, new() { Partition = 0, LeaderEpoch = 0 }, new() { Partition = 2, LeaderEpoch = 0 }] }],
        });

        Assert.That(initialized.Results.Single().Partitions.Select(p => (p.Partition, (ErrorCode)p.ErrorCode)), Is.EqualTo(new[] { (0, ErrorCode.None), (1, ErrorCode.None) }));
        var result = read.Results.Single();
        Assert.That(result.TopicId, Is.EqualTo(topicId));
        Assert.That(result.Partitions.Select(p => (p.Partition, (ErrorCode)p.ErrorCode, p.StateEpoch, p.StartOffset)), Is.EqualTo(new[]
        {
            (1, ErrorCode.None, 1, 20L),
            (0, ErrorCode.None, 1, 10L),
            (2, ErrorCode.InvalidRequest, 0, 0L),
        }));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [HandlerVersionTest(ApiKey.WriteShareGroupState, 0)]
    [HandlerVersionTest(ApiKey.WriteShareGroupState, 1)]
    [HandlerVersionTest(ApiKey.ReadShareGroupStateSummary, 0)]
    [HandlerVersionTest(ApiKey.ReadShareGroupStateSummary, 1)]
    public async Task AWriteIsReadBackAndSummarizedWithTheDeliveryCompleteCountFromVersionOne(short version)
    {
        await using var harness = new ShareStateHarness();
        var topicId = harness.TopicId;
        await harness.InitializeAsync(stateEpoch: 0, startOffset: 0);

        var written = await harness.Broker.SendAsync<WriteShareGroupStateResponseData>(version, new WriteShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new()
            {
                TopicId = topicId,
                Partitions = [new()
                {
                    Partition = 0, StateEpoch = 0, LeaderEpoch = 3, StartOffset = 5, DeliveryCompleteCount = version >= 1 ? 4 : -1,
                    StateBatches = [new() { FirstOffset = 5, LastOffset = 8, DeliveryState = 2, DeliveryCount = 1 }, new() { FirstOffset = 9, LastOffset = 12, DeliveryState = 0, DeliveryCount = 2 }],
                }],
            }],
        });
        var read = await harness.ReadAsync(leaderEpoch: 3);
        var summary = await harness.Broker.SendAsync<ReadShareGroupStateSummaryResponseData>(version, new ReadShareGroupStateSummaryRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = topicId, Partitions = [new() { Partition = 0, LeaderEpoch = 3 }, new() { Partition = 1, LeaderEpoch = 0 }] }],
        });

        Assert.That((ErrorCode)written.Results.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(read.StateBatches.Select(b => (b.FirstOffset, b.LastOffset, b.DeliveryState, b.DeliveryCount)),
            Is.EqualTo(new[] { (5L, 8L, (sbyte)2, (short)1), (9L, 12L, (sbyte)0, (short)2) }));
        var partitions = summary.Results.Single().Partitions;
        // v0 carries no delivery-complete count: the writer's -1 left the initialized 0, and a v0 summary reads the default -1.
        var expectedCount = version >= 1 ? 4 : -1;
        Assert.That(partitions.Select(p => (p.Partition, (ErrorCode)p.ErrorCode, p.StateEpoch, p.LeaderEpoch, p.StartOffset, p.DeliveryCompleteCount)), Is.EqualTo(new[]
        {
            (0, ErrorCode.None, 0, 3, 5L, expectedCount),
            (1, ErrorCode.None, 0, -1, -1L, -1),
        }), "partition 1 was never initialized: an unknown start offset, no error");
    }

    [Test]
    [HandlerVersionTest(ApiKey.DeleteShareGroupState, 0)]
    public async Task DeleteForgetsTheStateOfItsSharePartitions()
    {
        await using var harness = new ShareStateHarness();
        await harness.InitializeAsync(startOffset: 3);

        var deleted = await harness.Broker.SendAsync<DeleteShareGroupStateResponseData>(0, new DeleteShareGroupStateRequestData
        {
            GroupId = Group,
            Topics = [new() { TopicId = harness.TopicId, Partitions = [new() { Partition = 0 }, new() { Partition = -1 }] }],
        });

        Assert.That(deleted.Results.Single().Partitions.Select(p => (p.Partition, (ErrorCode)p.ErrorCode)), Is.EqualTo(new[] { (0, ErrorCode.None), (-1, ErrorCode.InvalidRequest) }));
        Assert.That(harness.State(), Is.Null);
    }

    [Test]
    public async Task ARequestWithoutAGroupIdIsAnsweredEmptyAsKafkaDoes()
    {
        await using var harness = new ShareStateHarness();

        var read = await harness.Broker.SendAsync<ReadShareGroupStateResponseData>(0, new ReadShareGroupStateRequestData
        {
            GroupId = "",
            Topics = [new() { TopicId = harness.TopicId, Partitions = [new() { Partition = 0 }] }],
        });

        Assert.That(read.Results, Is.Empty);
    }

    [Test]
    public async Task FindCoordinatorOfAShareKeyAnswersThisNodeAndCreatesTheShareGroupStateTopicAsKafkaDoes()
    {
        await using var harness = new ShareStateHarness(new() { ["share.coordinator.state.topic.segment.bytes"] = "1048576" });
        var key = new SharePartitionKey(Group, harness.TopicId, 0).CoordinatorKey;

        var response = await harness.Broker.SendAsync<FindCoordinatorResponseData>(6, new FindCoordinatorRequestData { KeyType = 2, CoordinatorKeys = [key, "not-a-share-key"] });
        var tooOld = await harness.Broker.SendAsync<FindCoordinatorResponseData>(5, new FindCoordinatorRequestData { KeyType = 2, CoordinatorKeys = [key] });

        Assert.That(response.Coordinators.Select(c => ((ErrorCode)c.ErrorCode, c.NodeId)), Is.EqualTo(new[] { (ErrorCode.None, harness.Broker.Broker.NodeId), (ErrorCode.InvalidRequest, -1) }));
        Assert.That((ErrorCode)tooOld.Coordinators.Single().ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest), "the SHARE key type came with v6");
        var topic = harness.Broker.Metadata.Image.Topic("__share_group_state")!;
        Assert.That(topic.Partitions.Length, Is.EqualTo(3), "share.coordinator.state.topic.num.partitions");
        Assert.That(topic.Configs, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["cleanup.policy"] = "delete",
            ["compression.type"] = "producer",
            ["segment.bytes"] = "1048576",
            ["min.insync.replicas"] = "2",
            ["retention.ms"] = "-1",
        }));
    }
}
