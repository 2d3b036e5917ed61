using KafkaCompat.Broker.InterNode;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>
/// The inter-node client against real listeners on loopback ports (the broker's own network layer
/// and dispatcher) and against a scripted peer for what a broker never does; time moves by hand.
/// </summary>
public class InterNodeClientTests
{
    private const int Node = 1;
    private const int TimeoutMs = 2000;

    private readonly FakeTime _time = new();
    private readonly ResponseLog _log = new();

    private InterNodeClient NewClient(int maxInFlight = 1) =>
        new(new InterNodeClientOptions { ClientId = "raft-client-7", RequestTimeoutMs = TimeoutMs, MaxInFlightPerConnection = maxInFlight }, _time,
            NullLogger.Instance, new Random(12345));

    private InterNodeRequest Request(IApiMessage data, long? createdMs = null, VersionRange? versions = null) =>
        new(Node, data, createdMs ?? _time.NowMs, _log.Add) { Versions = versions };

    private static ProbeHandler VoteProbe(short highest) =>
        new(ApiKey.Vote, new VersionRange(0, highest), (_, version) => new VoteResponseData { ErrorCode = (short)(100 + version) });

    [Test]
    public async Task EachRequestGoesAtTheHighestVersionBothEndsServeWithTheClientsId()
    {
        var vote = VoteProbe(highest: 1);
        var endEpoch = new ProbeHandler(ApiKey.EndQuorumEpoch, new VersionRange(0, 0), (_, _) => new EndQuorumEpochResponseData { ErrorCode = (short)ErrorCode.FencedLeaderEpoch });
        await using var listener = await InterNodeListener.StartAsync([vote, endEpoch]);
        await using var client = NewClient();
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", listener.Port));

        var newest = await client.SendAsync(Node, new VoteRequestData { ClusterId = "c" });
        var narrowed = await client.SendAsync(Node, new VoteRequestData { ClusterId = "c" }, new VersionRange(0, 0));
        // EndQuorumEpoch v0 is not flexible: request header v1 and response header v0.
        var classic = await client.SendAsync(Node, new EndQuorumEpochRequestData());

        Assert.Multiple(() =>
        {
            Assert.That((newest.Version, newest.Error, ((VoteResponseData)newest.Data!).ErrorCode), Is.EqualTo(((short)1, ErrorCode.None, (short)101)));
            Assert.That((narrowed.Version, ((VoteResponseData)narrowed.Data!).ErrorCode), Is.EqualTo(((short)0, (short)100)));
            Assert.That((classic.Version, ((EndQuorumEpochResponseData)classic.Data!).ErrorCode), Is.EqualTo(((short)0, (short)ErrorCode.FencedLeaderEpoch)));
            Assert.That(vote.Received.Select(r => (r.Version, r.ClientId)), Is.EqualTo(new[] { ((short)1, "raft-client-7"), ((short)0, "raft-client-7") }));
            Assert.That(client.NegotiatedVersion(Node, ApiKey.Vote), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task ARequestWithoutAVersionBothEndsServeFailsWithUnsupportedVersion()
    {
        await using var listener = await InterNodeListener.StartAsync([VoteProbe(highest: 1)]);
        await using var client = NewClient();
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", listener.Port));

        var tooNew = Request(new VoteRequestData(), versions: new VersionRange(2, 2));
        var unserved = Request(new BeginQuorumEpochRequestData());
        client.Send(tooNew);
        client.Send(unserved);
        var served = await client.SendAsync(Node, new VoteRequestData());

        Assert.Multiple(async () =>
        {
            Assert.That((await _log.OfAsync(tooNew)).Error, Is.EqualTo(ErrorCode.UnsupportedVersion));
            Assert.That((await _log.OfAsync(unserved)).Error, Is.EqualTo(ErrorCode.UnsupportedVersion));
            Assert.That(served.Error, Is.EqualTo(ErrorCode.None), "the connection stays usable");
        });
    }

    [Test]
    public async Task ANodeWithoutAnAddressIsBrokerNotAvailable()
    {
        await using var client = NewClient();
        var response = await client.SendAsync(42, new VoteRequestData());
        Assert.That((response.Error, response.Data), Is.EqualTo((ErrorCode.BrokerNotAvailable, (IApiMessage?)null)));
    }

    [Test]
    public async Task ARequestUnansweredWithinTheTimeoutIsReportedOnceAndItsConnectionClosed()
    {
        var vote = VoteProbe(highest: 2);
        vote.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = await InterNodeListener.StartAsync([vote]);
        await using var client = NewClient();
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", listener.Port));

        var held = Request(new VoteRequestData());
        client.Send(held);
        await vote.WaitForAsync(1);
        _time.Advance(TimeSpan.FromMilliseconds(TimeoutMs - 1));
        Assert.That(_log.For(held), Is.Empty, "not yet timed out");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var timedOut = await _log.OfAsync(held);
        Assert.That(timedOut.Error, Is.EqualTo(ErrorCode.RequestTimedOut));

        // The late answer has no connection to come back on; a new connection after the backoff works.
        vote.Gate.SetResult();
        await WaitUntilAsync(() => !client.IsReady(Node));
        _time.Advance(TimeSpan.FromMilliseconds(client.Options.ReconnectBackoffMaxMs));
        var next = await client.SendAsync(Node, new VoteRequestData());

        Assert.That(next.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(_log.For(held), Has.Count.EqualTo(1), "reported exactly once");
    }

    [Test]
    public async Task AnUnsentRequestTimesOutFromItsCreationWithoutClosingTheConnection()
    {
        var vote = VoteProbe(highest: 2);
        vote.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = await InterNodeListener.StartAsync([vote]);
        await using var client = NewClient(maxInFlight: 1);
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", listener.Port));

        var inFlight = Request(new VoteRequestData());
        client.Send(inFlight);
        await vote.WaitForAsync(1);
        // Created earlier, it waits behind the one in flight and runs out first.
        var queued = Request(new VoteRequestData(), createdMs: _time.NowMs - TimeoutMs + 100);
        client.Send(queued);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.That((await _log.OfAsync(queued)).Error, Is.EqualTo(ErrorCode.RequestTimedOut));

        vote.Gate.SetResult();
        Assert.That((await _log.OfAsync(inFlight)).Error, Is.EqualTo(ErrorCode.None));
        Assert.That(vote.Received, Has.Count.EqualTo(1), "the timed-out request was never sent");
    }

    [Test]
    public async Task ALostConnectionFailsEveryRequestWaitingOnItOnceWithNetworkException()
    {
        await using var peer = new ScriptedPeer();
        var client = NewClient(maxInFlight: 1);
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", peer.Port));
        var inFlight = Request(new VoteRequestData());
        var queued = Request(new VoteRequestData());
        client.Send(inFlight);
        client.Send(queued);
        using var connection = await peer.AcceptAndNegotiateAsync((ApiKey.Vote, 0, 2));
        await connection.ReadRequestAsync();

        connection.Socket.Close();

        Assert.That((await _log.OfAsync(inFlight)).Error, Is.EqualTo(ErrorCode.NetworkException));
        Assert.That((await _log.OfAsync(queued)).Error, Is.EqualTo(ErrorCode.NetworkException));
        // During the reconnect backoff a request fails at once, without a connection attempt.
        var duringBackoff = await client.SendAsync(Node, new VoteRequestData());
        Assert.That(duringBackoff.Error, Is.EqualTo(ErrorCode.NetworkException));
        await client.DisposeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(_log.For(inFlight), Has.Count.EqualTo(1));
            Assert.That(_log.For(queued), Has.Count.EqualTo(1));
        });
    }

    public enum Malformation
    {
        WrongCorrelationId,
        BytesAfterTheBody,
        TruncatedBody,
    }

    [TestCase(Malformation.WrongCorrelationId)]
    [TestCase(Malformation.BytesAfterTheBody)]
    [TestCase(Malformation.TruncatedBody)]
    public async Task AMalformedResponseClosesTheConnectionAndFailsItsInFlightRequests(Malformation malformation)
    {
        await using var peer = new ScriptedPeer();
        await using var client = NewClient(maxInFlight: 2);
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", peer.Port));
        var first = Request(new VoteRequestData());
        var second = Request(new VoteRequestData());
        client.Send(first);
        client.Send(second);
        using var connection = await peer.AcceptAndNegotiateAsync((ApiKey.Vote, 0, 2));
        var (header, _) = await connection.ReadRequestAsync();
        await connection.ReadRequestAsync();

        var valid = new VoteResponseData { ErrorCode = 0 }.Serialize(header.RequestApiVersion);
        var responseHeader = new ResponseHeaderData { CorrelationId = header.CorrelationId }.Serialize(1);
        switch (malformation)
        {
            case Malformation.WrongCorrelationId:
                await connection.RespondAsync(header, new VoteResponseData(), correlationId: header.CorrelationId + 1);
                break;
            case Malformation.BytesAfterTheBody:
                await connection.SendFrameAsync([.. responseHeader, .. valid, 0]);
                break;
            case Malformation.TruncatedBody:
                await connection.SendFrameAsync([.. responseHeader, .. valid[..^2]]);
                break;
        }

        Assert.Multiple(async () =>
        {
            Assert.That((await _log.OfAsync(first)).Error, Is.EqualTo(ErrorCode.NetworkException));
            Assert.That((await _log.OfAsync(second)).Error, Is.EqualTo(ErrorCode.NetworkException));
            Assert.That(await connection.ClosedByClientAsync(), Is.True, "the client closed the connection");
        });
    }

    [Test]
    public async Task TheClientReconnectsAfterThePeerRestarts()
    {
        var listener = await InterNodeListener.StartAsync([VoteProbe(highest: 2)]);
        var port = listener.Port;
        await using var client = NewClient();
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", port));
        Assert.That((await client.SendAsync(Node, new VoteRequestData())).Error, Is.EqualTo(ErrorCode.None));

        await listener.DisposeAsync();
        await WaitUntilAsync(() => !client.IsReady(Node));
        var whileDown = await client.SendAsync(Node, new VoteRequestData());
        await using var restarted = await InterNodeListener.StartAsync([VoteProbe(highest: 1)], port: port);
        _time.Advance(TimeSpan.FromMilliseconds(client.Options.ReconnectBackoffMaxMs));
        var afterRestart = await client.SendAsync(Node, new VoteRequestData());

        Assert.Multiple(() =>
        {
            Assert.That(whileDown.Error, Is.EqualTo(ErrorCode.NetworkException));
            Assert.That((afterRestart.Error, afterRestart.Version), Is.EqualTo((ErrorCode.None, (short)1)), "versions negotiated again with the restarted peer");
        });
    }

    [Test]
    public async Task ThePeersApiVersionsVersionIsUsedWhenItRefusesTheNewest()
    {
        await using var peer = new ScriptedPeer();
        await using var client = NewClient();
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", peer.Port));
        var request = Request(new VoteRequestData());
        client.Send(request);
        using var connection = await peer.AcceptAsync();

        var (first, _) = await connection.ReadRequestAsync();
        // KIP-511: a peer that does not know the version answers in the v0 layout with its own range.
        await connection.RespondAsync(first, ScriptedPeer.ApiVersions(ErrorCode.UnsupportedVersion, [(ApiKey.ApiVersions, 0, 2)]), bodyVersion: 0);
        var (second, _) = await connection.ReadRequestAsync();
        await connection.RespondAsync(second, ScriptedPeer.ApiVersions(ErrorCode.None, [(ApiKey.ApiVersions, 0, 2), (ApiKey.Vote, 0, 1)]));
        var (vote, _) = await connection.ReadRequestAsync();
        await connection.RespondAsync(vote, new VoteResponseData());

        Assert.Multiple(async () =>
        {
            Assert.That((first.RequestApiVersion, second.RequestApiVersion), Is.EqualTo(((short)4, (short)2)));
            Assert.That(vote.RequestApiVersion, Is.EqualTo(1));
            Assert.That((await _log.OfAsync(request)).Error, Is.EqualTo(ErrorCode.None));
        });
    }

    [Test]
    public async Task AConnectionWhoseSetupTakesTooLongFailsItsRequestsAndIsClosed()
    {
        await using var peer = new ScriptedPeer();
        // Kafka's defaults: socket.connection.setup.timeout.ms 10 s, well within the 30 s request timeout.
        await using var client = new InterNodeClient(new InterNodeClientOptions(), _time, NullLogger.Instance, new Random(1));
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", peer.Port));
        var request = Request(new VoteRequestData());
        client.Send(request);
        using var connection = await peer.AcceptAsync();
        await connection.ReadRequestAsync();

        // The peer never answers ApiVersions.
        _time.Advance(TimeSpan.FromMilliseconds(client.Options.ConnectionSetupTimeoutMs - 1));
        Assert.That(_log.For(request), Is.Empty);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.That((await _log.OfAsync(request)).Error, Is.EqualTo(ErrorCode.NetworkException));
        Assert.That(await connection.ClosedByClientAsync(), Is.True);
    }

    [Test]
    public async Task ClosingTheClientFailsWhatWaitsOnceAndClosesWithAFin()
    {
        await using var peer = new ScriptedPeer();
        var client = NewClient();
        client.UpdateNode(Node, new NodeAddress("127.0.0.1", peer.Port));
        var request = Request(new VoteRequestData());
        client.Send(request);
        using var connection = await peer.AcceptAndNegotiateAsync((ApiKey.Vote, 0, 2));
        await connection.ReadRequestAsync();

        await client.DisposeAsync();
        var afterClose = await client.SendAsync(Node, new VoteRequestData());

        Assert.Multiple(async () =>
        {
            Assert.That((await _log.OfAsync(request)).Error, Is.EqualTo(ErrorCode.NetworkException));
            Assert.That(await connection.ClosedByClientAsync(), Is.True);
            Assert.That(afterClose.Error, Is.EqualTo(ErrorCode.NetworkException));
            Assert.That(_log.For(request), Has.Count.EqualTo(1));
        });
    }

    /// <summary>Waits (up to 10 s) for a state the client reaches on its own threads; not a timing assertion.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
