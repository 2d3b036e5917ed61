using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Lifecycle;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Metadata;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Lifecycle;

/// <summary>
/// The broker's side of KIP-631 against a real controller, through the controller's handlers: it
/// registers, is unfenced once caught up, heartbeats, and shuts down through controlled shutdown.
/// </summary>
public class BrokerLifecycleManagerTests
{
    private static readonly Endpoint[] Listeners = [new("PLAINTEXT", "broker2.example", 19092, SecurityProtocol.Plaintext)];

    private static BrokerLifecycleManager Lifecycle(MetadataNode node, FakeTime time, int nodeId, string? rack = null, CountingChannel? channel = null) =>
        new(new BrokerLifecycleConfig(nodeId, MetadataNode.ClusterId, rack), channel ?? Channel(node, nodeId), () => node.Loader.HighestOffset, time, NullLogger.Instance);

    private static CountingChannel Channel(MetadataNode node, int nodeId)
    {
        var table = new HandlerTable([new BrokerRegistrationHandler(node.Controller), new BrokerHeartbeatHandler(node.Controller)]);
        return new CountingChannel(new LocalControllerChannel(() => table, nodeId));
    }

    [Test]
    public async Task ABrokerRegistersRunsOnceUnfencedHeartbeatsAndShutsDownThroughControlledShutdown()
    {
        var time = new FakeTime();
        using var node = MetadataNode.Open(time: time, sessionTimeoutMs: 9000);
        var channel = Channel(node, 2);
        await using var lifecycle = Lifecycle(node, time, 2, rack: "r1", channel);

        await lifecycle.StartAsync(Listeners, CancellationToken.None);

        Assert.That(lifecycle.State, Is.EqualTo(BrokerLifecycleState.Running));
        var registered = node.Controller.Image.Cluster.Broker(2)!;
        Assert.That((registered.Epoch, registered.IncarnationId, registered.Rack, registered.Fenced), Is.EqualTo((lifecycle.BrokerEpoch, lifecycle.IncarnationId, "r1", false)));
        Assert.That(registered.Endpoints.Single(), Is.EqualTo(new KafkaCompat.Broker.Metadata.RegisteredEndpoint("PLAINTEXT", "broker2.example", 19092, 0)));

        // Heartbeats every 2 s keep it unfenced past the 9 s session, while broker 1 (silent) is fenced.
        for (var i = 0; i < 10; i++)
        {
            var answered = channel.Answers;
            time.Advance(TimeSpan.FromMilliseconds(2000));
            Assert.That(SpinWait.SpinUntil(() => channel.Answers > answered, TimeSpan.FromSeconds(10)), Is.True, "the heartbeat the clock released was answered");
            // Its next wait is armed just after the answer: let it be, so the next move of the clock releases it.
            Assert.That(SpinWait.SpinUntil(() => time.HasTimerDueAt(time.GetUtcNow().AddMilliseconds(2000)), TimeSpan.FromSeconds(10)), Is.True);
        }
        await node.Controller.SyncAsync();
        Assert.That(node.Controller.Image.Cluster.Brokers.Values.Select(b => (b.Id, b.Fenced)), Is.EqualTo(new[] { (1, true), (2, false) }));

        await lifecycle.ControlledShutdownAsync(CancellationToken.None);

        Assert.That(lifecycle.State, Is.EqualTo(BrokerLifecycleState.ShuttingDown));
        Assert.That(node.Controller.Image.Cluster.Broker(2)!.Fenced, Is.True, "the controller fenced it when it granted the shutdown");
    }

    [Test]
    public async Task ASecondIncarnationRegistersOnceTheFirstOnesSessionHasExpired()
    {
        var time = new FakeTime();
        using var node = MetadataNode.Open(time: time, sessionTimeoutMs: 9000);
        var first = node.Controller.Image.Cluster.Broker(1)!;
        await using var restarted = Lifecycle(node, time, 1);

        var start = restarted.StartAsync(Listeners, CancellationToken.None);
        var waitedMs = 0;
        while (!start.IsCompleted && waitedMs < 20_000)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            waitedMs += 100;
            await Task.Delay(5);
        }
        await start;

        Assert.That(waitedMs, Is.GreaterThan(9000), "DUPLICATE_BROKER_REGISTRATION while the old incarnation's session lasted");
        var now = node.Controller.Image.Cluster.Broker(1)!;
        Assert.That((now.IncarnationId, now.Fenced), Is.EqualTo((restarted.IncarnationId, false)));
        Assert.That(now.Epoch, Is.GreaterThan(first.Epoch));
    }

    /// <summary>
    /// The broker of a combined node after kill -9: the controller that registered its previous
    /// incarnation died with it, so the restarted node's controller (configured with its own node as
    /// the local broker) lets the new incarnation register at once instead of waiting out the session.
    /// </summary>
    [Test]
    public async Task TheBrokerOfACombinedNodeRegistersAtOnceAfterItsProcessRestarted()
    {
        var time = new FakeTime();
        var files = new MemoryFileSystem();
        long firstEpoch;
        using (var before = MetadataNode.Open(files, time, sessionTimeoutMs: 9000, localBrokerId: 1))
        {
            firstEpoch = before.Controller.Image.Cluster.Broker(1)!.Epoch;
        }
        using var node = MetadataNode.Open(files, time, sessionTimeoutMs: 9000, localBrokerId: 1);
        await using var restarted = Lifecycle(node, time, 1);

        await restarted.StartAsync(Listeners, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var now = node.Controller.Image.Cluster.Broker(1)!;
        Assert.That((now.IncarnationId, now.Fenced), Is.EqualTo((restarted.IncarnationId, false)), "registered and unfenced without the clock moving");
        Assert.That(now.Epoch, Is.GreaterThan(firstEpoch));
    }

    /// <summary>Counts the answers the broker received, so a test knows a heartbeat went through.</summary>
    private sealed class CountingChannel(IControllerChannel inner) : IControllerChannel
    {
        private int _answers;

        public int Answers => Volatile.Read(ref _answers);

        public async Task<TResponse> SendAsync<TResponse>(KafkaCompat.Protocol.IApiMessage request, short version, CancellationToken cancellationToken)
            where TResponse : class, KafkaCompat.Protocol.IApiMessage
        {
            var response = await inner.SendAsync<TResponse>(request, version, cancellationToken);
            Interlocked.Increment(ref _answers);
            return response;
        }
    }
}
