using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// The KRaft RPCs on the controller listener of a node given a Raft client's request handler: each
/// request reaches the Raft client as it came over the wire at its version, and the Raft client's
/// answer goes back as it gave it; on a broker listener, and on a node without one, they are not served.
/// </summary>
public class RaftRpcHandlerTests
{
    private const string Metadata = "__cluster_metadata";
    private static readonly Uuid MetadataTopicId = new(0, 1);

    [HandlerVersionTest(ApiKey.Vote, 0)]
    [HandlerVersionTest(ApiKey.Vote, 2)]
    [HandlerVersionTest(ApiKey.BeginQuorumEpoch, 0)]
    [HandlerVersionTest(ApiKey.BeginQuorumEpoch, 1)]
    [HandlerVersionTest(ApiKey.EndQuorumEpoch, 0)]
    [HandlerVersionTest(ApiKey.EndQuorumEpoch, 1)]
    [HandlerVersionTest(ApiKey.DescribeQuorum, 0)]
    [HandlerVersionTest(ApiKey.DescribeQuorum, 2)]
    [HandlerVersionTest(ApiKey.FetchSnapshot, 0)]
    [HandlerVersionTest(ApiKey.FetchSnapshot, 1)]
    [HandlerVersionTest(ApiKey.Fetch, 12)]
    [HandlerVersionTest(ApiKey.Fetch, 18)]
    [TestCase(ApiKey.Vote, (short)0)]
    [TestCase(ApiKey.Vote, (short)2)]
    [TestCase(ApiKey.BeginQuorumEpoch, (short)0)]
    [TestCase(ApiKey.BeginQuorumEpoch, (short)1)]
    [TestCase(ApiKey.EndQuorumEpoch, (short)0)]
    [TestCase(ApiKey.EndQuorumEpoch, (short)1)]
    [TestCase(ApiKey.DescribeQuorum, (short)0)]
    [TestCase(ApiKey.DescribeQuorum, (short)2)]
    [TestCase(ApiKey.FetchSnapshot, (short)0)]
    [TestCase(ApiKey.FetchSnapshot, (short)1)]
    [TestCase(ApiKey.Fetch, (short)12)]
    [TestCase(ApiKey.Fetch, (short)18)]
    public async Task TheRequestReachesTheRaftClientAndItsAnswerComesBack(ApiKey api, short version)
    {
        var raft = new TestRaftRequestHandler();
        raft.Answer = _ => Answer(api);
        await using var harness = new GroupHarness(raft: raft);
        var request = Request(api, version);

        var response = await HandlerRequest.SendAsync(harness.Handlers, version, request, GroupHarness.ControllerListener);

        var inbound = raft.Received.Single();
        Assert.Multiple(() =>
        {
            Assert.That(inbound.ApiVersion, Is.EqualTo(version));
            Assert.That(inbound.ReceivedMs, Is.EqualTo(harness.Time.NowMs));
            Assert.That(inbound.Data, Is.EqualTo(RoundTrip(request, version, ApiKeys.NewRequest(api))), "the body as the wire carried it");
            Assert.That(response, Is.EqualTo(RoundTrip(Answer(api), version, ApiKeys.NewResponse(api))), "the Raft client's answer");
        });
    }

    [Test]
    public async Task TheAnswerWaitsForTheRaftClientWithoutBlocking()
    {
        var raft = new TestRaftRequestHandler();
        await using var harness = new GroupHarness(raft: raft);

        var pending = HandlerRequest.SendAsync(harness.Handlers, 18, Request(ApiKey.Fetch, 18), GroupHarness.ControllerListener);
        var held = await raft.NextHeldAsync();
        Assert.That(pending.IsCompleted, Is.False, "no answer before the Raft client gives one");
        held.Completion.SetResult(Answer(ApiKey.Fetch));

        Assert.That(((FetchResponseData)await pending).ErrorCode, Is.EqualTo((short)ErrorCode.NotLeaderOrFollower));
    }

    [Test]
    public async Task TheRaftRpcsAreServedOnlyOnTheControllerListenerOfANodeWithARaftClient()
    {
        await using var withRaft = new GroupHarness(raft: new TestRaftRequestHandler());
        await using var without = new GroupHarness();
        ApiKey[] controllerOnly = [ApiKey.Vote, ApiKey.BeginQuorumEpoch, ApiKey.EndQuorumEpoch, ApiKey.DescribeQuorum, ApiKey.FetchSnapshot];

        Assert.Multiple(() =>
        {
            foreach (var api in controllerOnly)
            {
                Assert.That(withRaft.Handlers.Find((short)api, GroupHarness.ControllerListener), Is.Not.Null, $"{api} on the controller listener");
                Assert.That(withRaft.Handlers.Find((short)api, HandlerRequest.Listener), Is.Null, $"{api} on a broker listener");
                Assert.That(without.Handlers.Find((short)api, GroupHarness.ControllerListener), Is.Null, $"{api} without a Raft client");
            }
            Assert.That(withRaft.Handlers.Find((short)ApiKey.Fetch, GroupHarness.ControllerListener), Is.TypeOf<RaftFetchHandler>());
            Assert.That(withRaft.Handlers.Find((short)ApiKey.Fetch, HandlerRequest.Listener), Is.TypeOf<FetchHandler>());
            Assert.That(withRaft.Handlers.Find((short)ApiKey.Metadata, GroupHarness.ControllerListener), Is.TypeOf<MetadataHandler>(),
                "the broker's other APIs stay on every listener, as before");
        });
    }

    [Test]
    public async Task ApiVersionsListsWhatTheConnectionsListenerServes()
    {
        await using var harness = new GroupHarness(raft: new TestRaftRequestHandler());

        var onController = await harness.SendAsync<ApiVersionsResponseData>(3, new ApiVersionsRequestData { ClientSoftwareName = "t", ClientSoftwareVersion = "1" }, GroupHarness.ControllerListener);
        var onBroker = await harness.SendAsync<ApiVersionsResponseData>(3, new ApiVersionsRequestData { ClientSoftwareName = "t", ClientSoftwareVersion = "1" });

        Assert.Multiple(() =>
        {
            Assert.That(onController.ApiKeys.Select(k => (ApiKey)k.ApiKey), Does.Contain(ApiKey.Vote).And.Contain(ApiKey.DescribeQuorum));
            Assert.That(onController.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.Fetch).MinVersion, Is.EqualTo(12));
            Assert.That(onBroker.ApiKeys.Select(k => (ApiKey)k.ApiKey), Does.Not.Contain(ApiKey.Vote).And.Not.Contain(ApiKey.FetchSnapshot).And.Not.Contain(ApiKey.DescribeQuorum));
            Assert.That(onBroker.ApiKeys.Single(k => k.ApiKey == (short)ApiKey.Fetch).MinVersion, Is.EqualTo(0));
        });
    }

    /// <summary>The message as the wire carries it at the version, read into <paramref name="into"/>.</summary>
    internal static IApiMessage RoundTrip(IApiMessage message, short version, IApiMessage into)
    {
        var reader = new KafkaReader(message.Serialize(version));
        into.Read(ref reader, version);
        return into;
    }

    /// <summary>A request as a replica of the metadata log sends it, with values a default would not have.</summary>
    internal static IApiMessage Request(ApiKey api, short version) => api switch
    {
        ApiKey.Vote => new VoteRequestData
        {
            ClusterId = "kraft-cluster",
            Topics = { new VoteRequestData.TopicData { TopicName = Metadata, Partitions = { new VoteRequestData.PartitionData { CandidateEpoch = 5, CandidateId = 2, LastOffsetEpoch = 4, LastOffset = 100 } } } },
        },
        ApiKey.BeginQuorumEpoch => new BeginQuorumEpochRequestData
        {
            ClusterId = "kraft-cluster",
            Topics = { new BeginQuorumEpochRequestData.TopicData { TopicName = Metadata, Partitions = { new BeginQuorumEpochRequestData.PartitionData { LeaderId = 2, LeaderEpoch = 5 } } } },
        },
        ApiKey.EndQuorumEpoch => new EndQuorumEpochRequestData
        {
            ClusterId = "kraft-cluster",
            Topics = { new EndQuorumEpochRequestData.TopicData { TopicName = Metadata, Partitions = { new EndQuorumEpochRequestData.PartitionData { LeaderId = 2, LeaderEpoch = 5 } } } },
        },
        ApiKey.DescribeQuorum => new DescribeQuorumRequestData
        {
            Topics = { new DescribeQuorumRequestData.TopicData { TopicName = Metadata, Partitions = { new DescribeQuorumRequestData.PartitionData { PartitionIndex = 0 } } } },
        },
        ApiKey.FetchSnapshot => new FetchSnapshotRequestData
        {
            ClusterId = "kraft-cluster",
            ReplicaId = 3,
            MaxBytes = 1 << 20,
            Topics =
            {
                new FetchSnapshotRequestData.TopicSnapshot
                {
                    Name = Metadata,
                    Partitions = { new FetchSnapshotRequestData.PartitionSnapshot { CurrentLeaderEpoch = 5, SnapshotId = { EndOffset = 100, Epoch = 4 }, Position = 4096 } },
                },
            },
        },
        ApiKey.Fetch => new FetchRequestData
        {
            ClusterId = "kraft-cluster",
            ReplicaId = version < 15 ? 3 : -1,
            ReplicaState = version < 15 ? new FetchRequestData.ReplicaStateData() : new FetchRequestData.ReplicaStateData { ReplicaId = 3, ReplicaEpoch = -1 },
            MaxWaitMs = 500,
            MinBytes = 0,
            Topics =
            {
                new FetchRequestData.FetchTopic
                {
                    Topic = Metadata,
                    TopicId = MetadataTopicId,
                    Partitions = { new FetchRequestData.FetchPartition { CurrentLeaderEpoch = 5, FetchOffset = 100, LastFetchedEpoch = 4, PartitionMaxBytes = 1 << 20 } },
                },
            },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(api)),
    };

    /// <summary>What the Raft client answers here: NOT_LEADER_OR_FOLLOWER, which no handler makes up on its own.</summary>
    internal static IApiMessage Answer(ApiKey api)
    {
        const short error = (short)ErrorCode.NotLeaderOrFollower;
        return api switch
        {
            ApiKey.Vote => new VoteResponseData { ErrorCode = error },
            ApiKey.BeginQuorumEpoch => new BeginQuorumEpochResponseData { ErrorCode = error },
            ApiKey.EndQuorumEpoch => new EndQuorumEpochResponseData { ErrorCode = error },
            ApiKey.DescribeQuorum => new DescribeQuorumResponseData { ErrorCode = error },
            ApiKey.FetchSnapshot => new FetchSnapshotResponseData { ErrorCode = error },
            ApiKey.Fetch => new FetchResponseData { ErrorCode = error, SessionId = 0 },
            _ => throw new ArgumentOutOfRangeException(nameof(api)),
        };
    }
}
