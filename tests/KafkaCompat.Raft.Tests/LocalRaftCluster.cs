using KafkaCompat.Protocol;

namespace KafkaCompat.Raft.Tests;

/// <summary>
/// Several Raft clients wired together in memory on one hand-moved clock: each step polls every
/// node, carries the requests they sent to their destinations and the answers back. A node can be
/// cut off (its messages fail as a lost connection would) and healed. A first step toward the
/// deterministic simulation of issue 12.
/// </summary>
internal sealed class LocalRaftCluster : IDisposable
{
    private readonly List<(int SenderId, RaftOutboundRequest Request, Task<IApiMessage> Answer)> _inFlight = [];
    private readonly HashSet<int> _isolated = [];

    public LocalRaftCluster(params int[] voters)
        : this(0, voters)
    {
    }

    /// <summary>A cluster whose nodes draw their election timeouts from <paramref name="seed"/>.</summary>
    public LocalRaftCluster(int seed, int[] voters)
    {
        Nodes = voters.ToDictionary(id => id, id => new RaftTestContext(id, voters, time: Time, seed: seed * 100 + id));
        foreach (var node in Nodes.Values)
        {
            node.Initialize();
        }
    }

    public FakeTimeProvider Time { get; } = new();

    public Dictionary<int, RaftTestContext> Nodes { get; }

    /// <summary>
    /// The reachable nodes that lead the latest epoch any reachable node knows: a leader that was cut
    /// off may still believe it leads an older epoch until a message tells it otherwise.
    /// </summary>
    public IEnumerable<RaftTestContext> Leaders
    {
        get
        {
            var reachable = Nodes.Values.Where(n => !_isolated.Contains(n.NodeId)).ToList();
            var latest = reachable.Max(n => n.Client.LeaderAndEpoch.Epoch);
            return reachable.Where(n => n.Client.LeaderAndEpoch == new LeaderAndEpoch(n.NodeId, latest));
        }
    }

    public void Isolate(int nodeId) => _isolated.Add(nodeId);

    public void Heal(int nodeId) => _isolated.Remove(nodeId);

    public void RunFor(long ms, long stepMs = 10)
    {
        for (long elapsed = 0; elapsed < ms; elapsed += stepMs)
        {
            Time.AdvanceMs(stepMs);
            Step();
        }
    }

    /// <summary>Runs until <paramref name="condition"/> holds (checked each step) or <paramref name="maxMs"/> of cluster time passes.</summary>
    public bool RunUntil(Func<bool> condition, long maxMs = 30_000, long stepMs = 10)
    {
        for (long elapsed = 0; elapsed < maxMs; elapsed += stepMs)
        {
            if (condition())
            {
                return true;
            }
            Time.AdvanceMs(stepMs);
            Step();
        }
        return condition();
    }

    public void Dispose()
    {
        foreach (var node in Nodes.Values)
        {
            node.Dispose();
        }
    }

    private void Step()
    {
        foreach (var node in Nodes.Values)
        {
            node.Poll();
        }
        foreach (var node in Nodes.Values)
        {
            foreach (var request in node.Channel.DrainSent())
            {
                if (_isolated.Contains(node.NodeId) || _isolated.Contains(request.DestinationId) || !Nodes.TryGetValue(request.DestinationId, out var destination))
                {
                    MockRaftChannel.Fail(request, ErrorCode.NetworkException, Time.NowMs);
                    continue;
                }
                var answer = new TaskCompletionSource<IApiMessage>();
                destination.Client.Handle(new RaftInboundRequest(HighestVersion(request.ApiKey), request.Data, Time.NowMs, answer));
                _inFlight.Add((node.NodeId, request, answer.Task));
            }
        }
        foreach (var node in Nodes.Values)
        {
            node.Poll();
        }
        foreach (var flight in _inFlight.Where(f => f.Answer.IsCompleted).ToList())
        {
            _inFlight.Remove(flight);
            var (senderId, request, answer) = flight;
            if (_isolated.Contains(request.DestinationId) || _isolated.Contains(senderId))
            {
                MockRaftChannel.Fail(request, ErrorCode.NetworkException, Time.NowMs);
            }
            else
            {
                MockRaftChannel.Respond(request, answer.Result, Time.NowMs);
            }
        }
    }

    private static short HighestVersion(ApiKey apiKey) => apiKey switch
    {
        ApiKey.Vote => 2,
        ApiKey.Fetch => 17,
        ApiKey.DescribeQuorum => 2,
        _ => 1,
    };
}
