using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>
/// Broker registration, heartbeats, fencing and placement at the controller (KIP-631), on the hand-moved
/// clock with Kafka's 9 s session: several brokers join through the controller as they would over a quorum.
/// </summary>
public class BrokerLifecycleControlTests
{
    private const long SessionMs = 9000;

    private static BrokerHeartbeatRequestData Heartbeat(int id, long epoch, long offset, bool wantShutDown = false) =>
        new() { BrokerId = id, BrokerEpoch = epoch, CurrentMetadataOffset = offset, WantShutDown = wantShutDown };

    [Test]
    public async Task ABrokerSilentForTheSessionTimeoutIsFencedAndOneThatHeartbeatsIsNot()
    {
        var time = new FakeTime();
        using var node = MetadataNode.Open(time: time, sessionTimeoutMs: SessionMs);
        var epoch2 = node.Register(2);
        var epoch3 = node.Register(3);

        // Broker 2 heartbeats every 2 s; broker 3 (and broker 1, registered by the node) stay silent.
        for (var elapsed = 0; elapsed < 10_000; elapsed += 2000)
        {
            time.Advance(TimeSpan.FromMilliseconds(2000));
            var answer = await node.Controller.BrokerHeartbeat(Heartbeat(2, epoch2, node.Loader.HighestOffset));
            Assert.That(answer.IsFenced, Is.False);
        }
        await node.Controller.SyncAsync();

        var cluster = node.Controller.Image.Cluster;
        Assert.That(cluster.Brokers.Values.Select(b => (b.Id, b.Fenced)), Is.EqualTo(new[] { (1, true), (2, false), (3, true) }));
        // A fenced broker is unfenced by its next heartbeat once caught up, at the same epoch.
        var back = await node.Controller.BrokerHeartbeat(Heartbeat(3, epoch3, node.Loader.HighestOffset));
        Assert.That((back.Result.Error, back.IsFenced), Is.EqualTo((ErrorCode.None, false)));
    }

    [Test]
    public async Task ABrokerIsUnfencedOnlyOnceItsMetadataOffsetReachesItsRegistration()
    {
        using var node = MetadataNode.Open(time: new FakeTime());
        var request = new BrokerRegistrationRequestData { BrokerId = 2, ClusterId = MetadataNode.ClusterId, IncarnationId = Uuid.NewRandom() };
        request.Features.Add(new() { Name = "metadata.version", MinSupportedVersion = 1, MaxSupportedVersion = 25 });
        request.Features.Add(new() { Name = "transaction.version", MinSupportedVersion = 0, MaxSupportedVersion = 2 });
        request.Features.Add(new() { Name = "group.version", MinSupportedVersion = 0, MaxSupportedVersion = 1 });
        request.Features.Add(new() { Name = "share.version", MinSupportedVersion = 0, MaxSupportedVersion = 1 });
        var offsetBefore = node.Journal.LogEndOffset;

        var registered = await node.Controller.RegisterBroker(request);

        Assert.That(registered.BrokerEpoch, Is.EqualTo(offsetBefore), "the epoch is the offset of the RegisterBrokerRecord");
        var behind = await node.Controller.BrokerHeartbeat(Heartbeat(2, registered.BrokerEpoch, registered.BrokerEpoch - 1));
        Assert.That((behind.IsCaughtUp, behind.IsFenced), Is.EqualTo((false, true)));
        var caughtUp = await node.Controller.BrokerHeartbeat(Heartbeat(2, registered.BrokerEpoch, registered.BrokerEpoch));
        Assert.That((caughtUp.IsCaughtUp, caughtUp.IsFenced), Is.EqualTo((true, false)));
        var stale = await node.Controller.BrokerHeartbeat(Heartbeat(2, registered.BrokerEpoch - 1, registered.BrokerEpoch));
        Assert.That((stale.Result.Error, stale.Result.Message), Is.EqualTo((ErrorCode.StaleBrokerEpoch, $"Expected broker epoch {registered.BrokerEpoch}, but got broker epoch {registered.BrokerEpoch - 1}")));
    }

    [Test]
    public async Task ControlledShutdownOfABrokerLeadingOnlySoleReplicasIsGrantedAtOnceAndFencesIt()
    {
        using var node = MetadataNode.Open(time: new FakeTime());
        Assert.That((await node.Controller.CreateTopic("t", 2, new Dictionary<string, string>())).IsOk);
        var epoch = node.Controller.Image.Cluster.Broker(1)!.Epoch;

        var answer = await node.Controller.BrokerHeartbeat(Heartbeat(1, epoch, node.Loader.HighestOffset, wantShutDown: true));

        Assert.That((answer.ShouldShutDown, answer.IsFenced), Is.EqualTo((true, true)));
        Assert.That(node.Controller.Image.Cluster.Broker(1)!.Fenced, Is.True);
        var refused = await node.Controller.CreateTopic("u", 1, new Dictionary<string, string>());
        Assert.That((refused.Error, refused.Message), Is.EqualTo((ErrorCode.InvalidReplicationFactor, "Unable to replicate the partition 1 time(s): All brokers are currently fenced.")));
    }

    [Test]
    public async Task RegistrationsFencingAndUnregistrationAreReplayedIntoTheSameImage()
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        byte[][] expected;
        using (var node = MetadataNode.Open(files, time, sessionTimeoutMs: SessionMs))
        {
            node.Register(2, rack: "rack-a", host: "b2", port: 9093);
            node.Register(3, rack: "rack-b");
            node.Register(4);
            Assert.That((await node.Controller.UnregisterBroker(4)).IsOk);
            time.Advance(TimeSpan.FromMilliseconds(SessionMs + 1));
            await node.Controller.SyncAsync();
            Assert.That(node.Controller.Image.Cluster.Brokers.Values.All(b => b.Fenced), "every session expired");
            expected = MetadataWorkload.Records(node.Controller.Image);
            Assert.That(MetadataWorkload.Records(node.Loader.Image), Is.EqualTo(expected), "the broker's image is the controller's");
        }

        using var reloaded = MetadataNode.Open(files, time, sessionTimeoutMs: SessionMs);

        Assert.That(MetadataWorkload.Records(reloaded.Controller.Image), Is.EqualTo(expected));
        var broker2 = reloaded.Controller.Image.Cluster.Broker(2)!;
        Assert.That((broker2.Rack, broker2.Endpoints.Single().Host, broker2.Endpoints.Single().Port, broker2.Fenced), Is.EqualTo(("rack-a", "b2", 9093, true)));
        Assert.That(reloaded.Controller.Image.Cluster.Broker(4), Is.Null);
    }

    [Test]
    public async Task NewPartitionsArePlacedOnEveryUnfencedBrokerAndAReplicationFactorAboveOneIsRefused()
    {
        using var node = MetadataNode.Open(time: new FakeTime());
        node.Register(2, rack: "a");
        node.Register(3, rack: "b");

        Assert.That((await node.Controller.CreateTopic("spread", 30, new Dictionary<string, string>())).IsOk);
        var leaders = node.Controller.Image.Topic("spread")!.Partitions.Select(p => p.Leader).ToList();
        Assert.That(leaders.Distinct().Order(), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(node.Controller.Image.Topic("spread")!.Partitions.Select(p => (p.Replicas.Single(), p.Isr.Single())), Is.EqualTo(leaders.Select(l => (l, l))));

        var tooMany = await node.Controller.CreateTopic(new NewTopic("four", 1, 4, [], new Dictionary<string, string?>()), new TopicDefaults(1, 1));
        Assert.That((tooMany.Result.Error, tooMany.Result.Message), Is.EqualTo((ErrorCode.InvalidReplicationFactor,
            "Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.")));
        var notServed = await node.Controller.CreateTopic(new NewTopic("three", 1, 3, [], new Dictionary<string, string?>()), new TopicDefaults(1, 1));
        Assert.That(notServed.Result.Error, Is.EqualTo(ErrorCode.InvalidReplicationFactor));
        Assert.That(node.Controller.Image.Topic("three"), Is.Null);
    }

    [Test]
    public void TheStripedPlacerPutsTheReplicasOfAPartitionOnDifferentRacks()
    {
        var placer = new StripedReplicaPlacer(new Random(7));
        StripedReplicaPlacer.UsableBroker[] brokers = [new(1, "a", false), new(2, "a", false), new(3, "b", false), new(4, "b", false), new(5, "c", false), new(6, "c", true)];

        var (placement, error) = placer.Place(12, 3, brokers);

        Assert.That(error, Is.Null);
        var rackOf = brokers.ToDictionary(b => b.Id, b => b.Rack);
        Assert.That(placement.Select(replicas => replicas.Select(r => rackOf[r]).Distinct().Count()), Is.All.EqualTo(3));
        Assert.That(placement.Select(replicas => replicas[0]), Has.None.EqualTo(6), "a fenced broker never leads");
    }
}
