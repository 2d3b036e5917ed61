using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.InterNode;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Handlers;
using KafkaCompat.Protocol;
using KafkaCompat.Raft;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>
/// The Raft RPCs end to end between two nodes' pieces: this node's channel, TCP, the other node's
/// controller listener (its real network layer, dispatcher and handler table composed with a Raft
/// client), the Raft client played by the test, and the answer back through the channel's callback.
/// </summary>
public class KafkaRaftChannelTests
{
    private const int Voter = 1;
    private const int Self = 2;

    private readonly FakeTime _time = new();
    private TestRaftRequestHandler _raft = null!;
    private GroupHarness _harness = null!;
    private InterNodeListener _voter = null!;
    private KafkaRaftChannel _channel = null!;

    /// <summary>The voter (node 1) runs a Raft client played by the test; this node's channel knows it from controller.quorum.voters.</summary>
    [SetUp]
    public async Task StartVoterAsync()
    {
        _raft = new TestRaftRequestHandler { Answer = request => RaftRpcHandlerTests.Answer(request.ApiKey) };
        _harness = new GroupHarness(raft: _raft);
        _voter = await InterNodeListener.StartAsync(_harness.Handlers, ApiVersionsOf(_harness), GroupHarness.ControllerListener);
        _channel = Channel(_voter.Port);
    }

    [TearDown]
    public async Task StopAsync()
    {
        _channel.Dispose();
        await _voter.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [TestCase(ApiKey.Vote, (short)2)]
    [TestCase(ApiKey.BeginQuorumEpoch, (short)1)]
    [TestCase(ApiKey.EndQuorumEpoch, (short)1)]
    [TestCase(ApiKey.DescribeQuorum, (short)2)]
    [TestCase(ApiKey.FetchSnapshot, (short)1)]
    [TestCase(ApiKey.Fetch, (short)18)]
    public async Task EachRaftRpcGoesToTheVotersRaftClientAndItsAnswerComesBack(ApiKey api, short newest)
    {
        var request = RaftRpcHandlerTests.Request(api, newest);

        var response = await SendAsync(_channel, Voter, request);

        var inbound = _raft.Received.Single();
        Assert.Multiple(() =>
        {
            Assert.That(response.TransportError, Is.EqualTo(ErrorCode.None));
            Assert.That(response.SourceId, Is.EqualTo(Voter));
            Assert.That(inbound.ApiVersion, Is.EqualTo(newest), "the newest version both ends serve");
            Assert.That(inbound.Data, Is.EqualTo(RaftRpcHandlerTests.RoundTrip(request, newest, ApiKeys.NewRequest(api))));
            Assert.That(response.Data, Is.EqualTo(RaftRpcHandlerTests.RoundTrip(RaftRpcHandlerTests.Answer(api), newest, ApiKeys.NewResponse(api))));
        });
    }

    [Test]
    public async Task TheRaftCorrelationIdComesBackWithItsResponse()
    {

        var ids = new[] { _channel.NewCorrelationId(), _channel.NewCorrelationId(), _channel.NewCorrelationId() };
        var responses = await Task.WhenAll(ids.Select(id => SendAsync(_channel, Voter, RaftRpcHandlerTests.Request(ApiKey.Vote, 2), id)));

        Assert.That(ids.Distinct().Count(), Is.EqualTo(3));
        Assert.That(responses.Select(r => (r.CorrelationId, r.TransportError)), Is.EqualTo(ids.Select(id => (id, ErrorCode.None))));
    }

    [Test]
    public async Task AReplicaWithoutAKnownEndpointIsBrokerNotAvailableUntilItIsLearned()
    {
        const int observer = 3;

        var unknown = await SendAsync(_channel, observer, RaftRpcHandlerTests.Request(ApiKey.Vote, 2));
        _channel.UpdateEndpoint(observer, new RaftEndpoint("127.0.0.1", _voter.Port));
        var learned = await SendAsync(_channel, observer, RaftRpcHandlerTests.Request(ApiKey.Vote, 2));

        Assert.Multiple(() =>
        {
            Assert.That((unknown.TransportError, unknown.Data), Is.EqualTo((ErrorCode.BrokerNotAvailable, (IApiMessage?)null)));
            Assert.That(learned.TransportError, Is.EqualTo(ErrorCode.None));
        });
    }

    [Test]
    public async Task ABrokerListenerDoesNotServeTheRaftRpcs()
    {
        // The same node's broker listener: ApiVersions there lists no Raft RPC, so the channel sends none.
        await using var broker = await InterNodeListener.StartAsync(_harness.Handlers, ApiVersionsOf(_harness), HandlerRequest.Listener);
        using var channel = Channel(broker.Port);

        var response = await SendAsync(channel, Voter, RaftRpcHandlerTests.Request(ApiKey.Vote, 2));

        Assert.That(response.TransportError, Is.EqualTo(ErrorCode.UnsupportedVersion));
        Assert.That(_raft.Received, Is.Empty);
    }

    [Test]
    public void TheChannelIsSetUpAsKafkasRaftManagerSetsItsNetworkClient()
    {
        var options = KafkaRaftChannel.ClientOptions(7, new QuorumConfig { RequestTimeoutMs = 1500 });
        Assert.That((options.ClientId, options.RequestTimeoutMs, options.ReconnectBackoffMs, options.ReconnectBackoffMaxMs, options.MaxInFlightPerConnection),
            Is.EqualTo(("raft-client-7", 1500, 50, 500, 1)));
    }

    private KafkaRaftChannel Channel(int voterPort) =>
        KafkaRaftChannel.Create(Self, GroupHarness.ControllerListener,
            new QuorumConfig { Voters = QuorumConfig.ParseVoters($"{Voter}@127.0.0.1:{voterPort}") }, _time, NullLoggerFactory.Instance);

    private static ApiVersionsHandler ApiVersionsOf(GroupHarness harness) => (ApiVersionsHandler)harness.Handlers.Find((short)ApiKey.ApiVersions)!;

    private Task<RaftResponse> SendAsync(KafkaRaftChannel channel, int destination, IApiMessage data, int? correlationId = null)
    {
        var done = new TaskCompletionSource<RaftResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.Send(new RaftOutboundRequest(correlationId ?? channel.NewCorrelationId(), destination, data, _time.NowMs, done.SetResult));
        return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
