using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// The controller's broker lifecycle APIs over the wire format (KIP-631, KIP-919, KIP-730): other
/// brokers join the cluster of the harness's broker 1, and clients see them once they are unfenced.
/// </summary>
public class BrokerLifecycleHandlerTests
{
    private static BrokerRegistrationRequestData Registration(int id, string? rack = null, string clusterId = "test-cluster", Uuid? incarnation = null, bool withFeatures = true)
    {
        var request = new BrokerRegistrationRequestData { BrokerId = id, ClusterId = clusterId, IncarnationId = incarnation ?? Uuid.NewRandom(), Rack = rack };
        request.Listeners.Add(new BrokerRegistrationRequestData.Listener { Name = "PLAINTEXT", Host = $"broker{id}", Port = 9092, SecurityProtocol = 0 });
        if (withFeatures)
        {
            request.Features.AddRange(BrokerFeatures.All.Select(f => new BrokerRegistrationRequestData.Feature { Name = f.Name, MinSupportedVersion = f.MinSupported, MaxSupportedVersion = f.Level }));
        }
        return request;
    }

    [TestCase((short)0)]
    [TestCase((short)4)]
    [HandlerVersionTest(ApiKey.BrokerRegistration, 0)]
    [HandlerVersionTest(ApiKey.BrokerRegistration, 4)]
    public async Task RegistrationIsRefusedAsKafkaRefusesItAndOtherwiseGivesTheRecordsOffsetAsEpoch(short version)
    {
        await using var harness = new GroupHarness();

        var wrongCluster = await harness.SendAsync<BrokerRegistrationResponseData>(version, Registration(2, clusterId: "other"));
        var secondIncarnationOf1 = await harness.SendAsync<BrokerRegistrationResponseData>(version, Registration(1));
        var noFeatures = await harness.SendAsync<BrokerRegistrationResponseData>(version, Registration(2, withFeatures: false));
        var endBefore = harness.Metadata.Image.Cluster.Brokers.Values.Max(b => b.Epoch);
        var accepted = await harness.SendAsync<BrokerRegistrationResponseData>(version, Registration(2, rack: "r2"));

        Assert.That(((ErrorCode)wrongCluster.ErrorCode, wrongCluster.BrokerEpoch), Is.EqualTo((ErrorCode.InconsistentClusterId, -1L)));
        Assert.That((ErrorCode)secondIncarnationOf1.ErrorCode, Is.EqualTo(ErrorCode.DuplicateBrokerRegistration), "broker 1 has a live session");
        Assert.That((ErrorCode)noFeatures.ErrorCode, Is.EqualTo(ErrorCode.UnsupportedVersion), "metadata.version 25 is finalized");
        Assert.That((ErrorCode)accepted.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(accepted.BrokerEpoch, Is.GreaterThan(endBefore));
        var registered = harness.Metadata.Image.Cluster.Broker(2)!;
        Assert.That((registered.Epoch, registered.Rack, registered.Fenced), Is.EqualTo((accepted.BrokerEpoch, "r2", true)));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [HandlerVersionTest(ApiKey.BrokerHeartbeat, 0)]
    [HandlerVersionTest(ApiKey.BrokerHeartbeat, 1)]
    public async Task AHeartbeatUnfencesACaughtUpBrokerWhichMetadataAndDescribeClusterThenListWithItsRack(short version)
    {
        await using var harness = new GroupHarness();
        var epoch = (await harness.SendAsync<BrokerRegistrationResponseData>(4, Registration(2, rack: "r2"))).BrokerEpoch;

        var stale = await harness.SendAsync<BrokerHeartbeatResponseData>(version, new BrokerHeartbeatRequestData { BrokerId = 2, BrokerEpoch = epoch + 1, CurrentMetadataOffset = epoch });
        var behind = await harness.SendAsync<BrokerHeartbeatResponseData>(version, new BrokerHeartbeatRequestData { BrokerId = 2, BrokerEpoch = epoch, CurrentMetadataOffset = epoch - 1 });
        var fencedMetadata = await harness.SendAsync<MetadataResponseData>(12, new MetadataRequestData { Topics = [] });
        var caughtUp = await harness.SendAsync<BrokerHeartbeatResponseData>(version, new BrokerHeartbeatRequestData { BrokerId = 2, BrokerEpoch = epoch, CurrentMetadataOffset = epoch });
        var metadata = await harness.SendAsync<MetadataResponseData>(12, new MetadataRequestData { Topics = [] });
        var cluster = await harness.SendAsync<DescribeClusterResponseData>(1, new DescribeClusterRequestData { EndpointType = 1 });

        Assert.That((ErrorCode)stale.ErrorCode, Is.EqualTo(ErrorCode.StaleBrokerEpoch));
        Assert.That((behind.IsCaughtUp, behind.IsFenced), Is.EqualTo((false, true)));
        Assert.That(fencedMetadata.Brokers.Select(b => b.NodeId), Is.EqualTo(new[] { 1 }), "a fenced broker is not shown to clients");
        Assert.That((caughtUp.IsCaughtUp, caughtUp.IsFenced, caughtUp.ShouldShutDown), Is.EqualTo((true, false, false)));
        Assert.That(metadata.Brokers.Select(b => (b.NodeId, b.Host, b.Rack)), Is.EqualTo(new[] { (1, "localhost", (string?)null), (2, "broker2", "r2") }));
        Assert.That(cluster.Brokers.Select(b => (b.BrokerId, b.Host, b.Rack)), Is.EqualTo(new[] { (1, "localhost", (string?)null), (2, "broker2", "r2") }));
    }

    [Test]
    [HandlerVersionTest(ApiKey.DescribeCluster, 2)]
    public async Task DescribeClusterV2ListsFencedBrokersOnlyWhenAsked()
    {
        await using var harness = new GroupHarness();
        await harness.SendAsync<BrokerRegistrationResponseData>(4, Registration(2));

        var without = await harness.SendAsync<DescribeClusterResponseData>(2, new DescribeClusterRequestData { EndpointType = 1 });
        var with = await harness.SendAsync<DescribeClusterResponseData>(2, new DescribeClusterRequestData { EndpointType = 1, IncludeFencedBrokers = true });

        Assert.That(without.Brokers.Select(b => (b.BrokerId, b.IsFenced)), Is.EqualTo(new[] { (1, false) }));
        Assert.That(with.Brokers.Select(b => (b.BrokerId, b.IsFenced)), Is.EqualTo(new[] { (1, false), (2, true) }));
    }

    [Test]
    public async Task FindCoordinatorAnswersTheRegisteredLeaderOfTheGroupsOffsetsPartition()
    {
        await using var harness = new GroupHarness();
        var epoch = (await harness.SendAsync<BrokerRegistrationResponseData>(4, Registration(2))).BrokerEpoch;
        await harness.SendAsync<BrokerHeartbeatResponseData>(1, new BrokerHeartbeatRequestData { BrokerId = 2, BrokerEpoch = epoch, CurrentMetadataOffset = epoch });
        var groups = Enumerable.Range(0, 12).Select(i => $"group-{i}").ToList();

        var answers = new List<FindCoordinatorResponseData.Coordinator>();
        foreach (var group in groups)
        {
            var response = await harness.SendAsync<FindCoordinatorResponseData>(4, new FindCoordinatorRequestData { KeyType = 0, CoordinatorKeys = [group] });
            answers.Add(response.Coordinators.Single());
        }

        // __consumer_offsets was created (3 partitions here) once both brokers were registered: the stripe gave each some.
        var partitions = harness.Metadata.Image.Topic("__consumer_offsets")!.Partitions;
        Assert.That(partitions.Select(p => p.Leader).Distinct().Order(), Is.EqualTo(new[] { 1, 2 }));
        var expected = groups.Select(g => partitions[harness.Coordinator.PartitionFor(g)].Leader).Select(id => (id, id == 1 ? "localhost" : "broker2")).ToList();
        Assert.That(answers.Select(a => (a.NodeId, a.Host)), Is.EqualTo(expected));
    }

    [Test]
    [HandlerVersionTest(ApiKey.UnregisterBroker, 0)]
    public async Task UnregisterForgetsARegisteredBrokerAndRefusesAnUnknownOne()
    {
        await using var harness = new GroupHarness();
        await harness.SendAsync<BrokerRegistrationResponseData>(4, Registration(2));

        var removed = await harness.SendAsync<UnregisterBrokerResponseData>(0, new UnregisterBrokerRequestData { BrokerId = 2 });
        var again = await harness.SendAsync<UnregisterBrokerResponseData>(0, new UnregisterBrokerRequestData { BrokerId = 2 });

        Assert.That((ErrorCode)removed.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(harness.Metadata.Image.Cluster.Broker(2), Is.Null);
        Assert.That(((ErrorCode)again.ErrorCode, again.ErrorMessage), Is.EqualTo((ErrorCode.BrokerIdNotRegistered, "Broker ID 2 is not currently registered")));
    }

    [Test]
    [HandlerVersionTest(ApiKey.ControllerRegistration, 0)]
    public async Task ControllerRegistrationRecordsTheControllersEndpoints()
    {
        await using var harness = new GroupHarness();
        var request = new ControllerRegistrationRequestData { ControllerId = 3000, IncarnationId = Uuid.NewRandom() };
        request.Listeners.Add(new ControllerRegistrationRequestData.Listener { Name = "CONTROLLER", Host = "c1", Port = 9093, SecurityProtocol = 0 });
        request.Features.Add(new ControllerRegistrationRequestData.Feature { Name = "metadata.version", MinSupportedVersion = 1, MaxSupportedVersion = 25 });

        var response = await harness.SendAsync<ControllerRegistrationResponseData>(0, request);

        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None));
        var controller = harness.Metadata.Image.Cluster.Controllers[3000];
        Assert.That((controller.IncarnationId, controller.Endpoints.Single().Host, controller.Endpoints.Single().Port), Is.EqualTo((request.IncarnationId, "c1", 9093)));
    }

    [Test]
    [HandlerVersionTest(ApiKey.AllocateProducerIds, 0)]
    public async Task AllocateProducerIdsGivesDisjointBlocksToABrokerAtItsEpochOnly()
    {
        await using var harness = new GroupHarness();
        var epoch = harness.Metadata.Image.Cluster.Broker(1)!.Epoch;

        var first = await harness.SendAsync<AllocateProducerIdsResponseData>(0, new AllocateProducerIdsRequestData { BrokerId = 1, BrokerEpoch = epoch });
        var second = await harness.SendAsync<AllocateProducerIdsResponseData>(0, new AllocateProducerIdsRequestData { BrokerId = 1, BrokerEpoch = epoch });
        var stale = await harness.SendAsync<AllocateProducerIdsResponseData>(0, new AllocateProducerIdsRequestData { BrokerId = 1, BrokerEpoch = epoch - 1 });

        Assert.That((first.ErrorCode, first.ProducerIdLen, second.ProducerIdLen), Is.EqualTo(((short)0, 1000, 1000)));
        Assert.That(second.ProducerIdStart, Is.EqualTo(first.ProducerIdStart + 1000));
        Assert.That(((ErrorCode)stale.ErrorCode, stale.ProducerIdStart), Is.EqualTo((ErrorCode.StaleBrokerEpoch, -1L)));
    }
}
