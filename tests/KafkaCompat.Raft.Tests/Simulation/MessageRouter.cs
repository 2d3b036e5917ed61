using KafkaCompat.Protocol;

namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// The simulated network between the nodes of a cluster. Every request and response is encoded
/// and decoded at the sender's highest version on its way (so no object is shared between nodes, as
/// none is between processes), waits a random delay drawn from the seed (which also reorders
/// messages), and passes the filters of both ends: a filter drops messages to make partitions.
/// Messages to or from a node that is down, or for an incarnation of a node restarted since, are
/// lost. As the real channel does, each request gets exactly one answer: its response, or
/// REQUEST_TIMED_OUT once the request timeout passes without one.
/// </summary>
internal sealed class MessageRouter(Cluster cluster, Random random, SimulationTime time, int maxDelayMs, int requestTimeoutMs)
{
    private readonly PriorityQueue<Message, (long Due, long Sequence)> _inFlight = new();
    private readonly List<Outstanding> _outstanding = [];
    private readonly List<Handled> _handled = [];
    private readonly Dictionary<int, ITrafficFilter> _filters = [];
    private readonly SimulationTime _time = time;
    private readonly int _requestTimeoutMs = requestTimeoutMs;
    private long _sequence;

    public void Filter(int nodeId, ITrafficFilter filter) => _filters[nodeId] = filter;

    public void PermitAll() => _filters.Clear();

    /// <summary>The channel a node's Raft client sends through.</summary>
    public IRaftChannel ChannelFor(int nodeId, int incarnation) => new Channel(this, nodeId, incarnation);

    /// <summary>Sends the responses nodes have completed, delivers every message that is due, and times out requests that got no answer.</summary>
    public void DeliverAll()
    {
        SendCompletedResponses();
        while (_inFlight.TryPeek(out _, out var at) && at.Due <= _time.NowMs)
        {
            Deliver(_inFlight.Dequeue());
        }
        for (var i = 0; i < _outstanding.Count; i++)
        {
            var outstanding = _outstanding[i];
            if (outstanding.DeadlineMs <= _time.NowMs)
            {
                _outstanding.RemoveAt(i--);
                Answer(outstanding, new RaftResponse(outstanding.Request.CorrelationId, outstanding.Request.DestinationId, null, ErrorCode.RequestTimedOut, _time.NowMs));
            }
        }
    }

    private void Send(Message message)
    {
        if ((_filters.TryGetValue(message.Source, out var from) && !from.AcceptOutbound(message))
            || (_filters.TryGetValue(message.Destination, out var to) && !to.AcceptInbound(message)))
        {
            return;
        }
        _inFlight.Enqueue(message, (_time.NowMs + random.Next(maxDelayMs + 1), _sequence++));
    }

    private void Deliver(Message message)
    {
        if (message.Response is null)
        {
            if (cluster.Running(message.Destination) is not { } node)
            {
                return;
            }
            var data = Copy(message.Request.Data);
            var completion = new TaskCompletionSource<IApiMessage>();
            node.Client.Handle(new RaftInboundRequest(data.HighestSupportedVersion, data, _time.NowMs, completion));
            _handled.Add(new Handled(message, node.Incarnation, completion));
            return;
        }
        var index = _outstanding.FindIndex(o => ReferenceEquals(o.Request, message.Request));
        if (index >= 0)
        {
            var outstanding = _outstanding[index];
            _outstanding.RemoveAt(index);
            Answer(outstanding, message.Response);
        }
    }

    /// <summary>Answers a request, unless the node that sent it went down or was restarted since.</summary>
    private void Answer(Outstanding outstanding, RaftResponse response)
    {
        if (cluster.Running(outstanding.NodeId) is { } node && node.Incarnation == outstanding.Incarnation)
        {
            outstanding.Request.OnResponse(response);
        }
    }

    /// <summary>Puts on the wire, in the order the requests arrived, the responses nodes have completed.</summary>
    private void SendCompletedResponses()
    {
        for (var i = 0; i < _handled.Count; i++)
        {
            var handled = _handled[i];
            if (!handled.Completion.Task.IsCompleted)
            {
                continue;
            }
            _handled.RemoveAt(i--);
            var responder = cluster.Running(handled.Request.Destination);
            if (handled.Completion.Task.IsCompletedSuccessfully && responder is not null && responder.Incarnation == handled.ResponderIncarnation)
            {
                var request = handled.Request.Request;
                var response = new RaftResponse(request.CorrelationId, request.DestinationId, Copy(handled.Completion.Task.Result), ErrorCode.None, _time.NowMs);
                Send(handled.Request with { Source = request.DestinationId, Destination = handled.Request.Source, Response = response });
            }
        }
    }

    private static IApiMessage Copy(IApiMessage message)
    {
        var version = message.HighestSupportedVersion;
        var bytes = new byte[message.Size(version)];
        var writer = new KafkaWriter(bytes);
        message.Write(ref writer, version);
        var copy = (IApiMessage)Activator.CreateInstance(message.GetType())!;
        var reader = new KafkaReader(bytes);
        copy.Read(ref reader, version);
        return copy;
    }

    private sealed record Outstanding(int NodeId, int Incarnation, RaftOutboundRequest Request, long DeadlineMs);

    private sealed record Handled(Message Request, int ResponderIncarnation, TaskCompletionSource<IApiMessage> Completion);

    private sealed class Channel(MessageRouter router, int nodeId, int incarnation) : IRaftChannel
    {
        private int _correlationId;

        public int NewCorrelationId() => ++_correlationId;

        public void Send(RaftOutboundRequest request)
        {
            router._outstanding.Add(new Outstanding(nodeId, incarnation, request, router._time.NowMs + router._requestTimeoutMs));
            router.Send(new Message(nodeId, request.DestinationId, request, null));
        }

        /// <summary>Nodes are reached by id here; addresses do not matter.</summary>
        public void UpdateEndpoint(int nodeId, RaftEndpoint endpoint)
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>A request or its response on the simulated wire, between two node ids.</summary>
internal sealed record Message(int Source, int Destination, RaftOutboundRequest Request, RaftResponse? Response)
{
    public bool IsRequest => Response is null;

    public ApiKey ApiKey => Request.ApiKey;
}

/// <summary>Decides which messages reach or leave a node (a network partition drops them all).</summary>
internal interface ITrafficFilter
{
    bool AcceptInbound(Message message);

    bool AcceptOutbound(Message message);
}

/// <summary>Cuts a node off: nothing reaches it, nothing leaves it.</summary>
internal sealed class DropAllTraffic : ITrafficFilter
{
    public bool AcceptInbound(Message message) => false;

    public bool AcceptOutbound(Message message) => false;
}

/// <summary>One side of a partition: requests from the nodes on the other side never arrive (nor do their answers).</summary>
internal sealed class DropInboundRequestsFrom(IReadOnlySet<int> others) : ITrafficFilter
{
    public bool AcceptInbound(Message message) => !(message.IsRequest && others.Contains(message.Source));

    public bool AcceptOutbound(Message message) => true;
}
