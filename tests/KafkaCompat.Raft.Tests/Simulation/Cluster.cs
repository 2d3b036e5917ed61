using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// The nodes of a simulated quorum: voters 0..V-1 and observers after them. What a node keeps on
/// disk (its log and quorum-state) outlives its process; a kill loses the log's unflushed tail, as
/// a crash does, and a restart is a new incarnation with a fresh Raft client on the same state.
/// </summary>
internal sealed class Cluster
{
    private readonly Dictionary<int, PersistentState> _disks = [];
    private readonly Dictionary<int, SimulatedNode> _running = [];
    private readonly QuorumConfig _config;
    private int _incarnations;

    public Cluster(int voters, int observers, Random random, SimulationTime time, QuorumConfig config)
    {
        Random = random;
        Time = time;
        VoterIds = [.. Enumerable.Range(0, voters)];
        NodeIds = [.. Enumerable.Range(0, voters + observers)];
        _config = config with { Voters = VoterIds.ToDictionary(id => id, id => new RaftEndpoint("localhost", 9990 + id)) };
        foreach (var id in NodeIds)
        {
            _disks[id] = new PersistentState();
        }
        Router = new MessageRouter(this, random, time, maxDelayMs: 5, requestTimeoutMs: config.RequestTimeoutMs);
    }

    public Random Random { get; }

    public SimulationTime Time { get; }

    public MessageRouter Router { get; }

    public IReadOnlyList<int> VoterIds { get; }

    public IReadOnlyList<int> NodeIds { get; }

    public int MajoritySize => VoterIds.Count / 2 + 1;

    public IEnumerable<SimulatedNode> RunningNodes => _running.Values.OrderBy(n => n.Id);

    public IReadOnlyDictionary<int, PersistentState> Disks => _disks;

    public SimulatedNode? Running(int nodeId) => _running.GetValueOrDefault(nodeId);

    public void StartAll()
    {
        foreach (var id in NodeIds)
        {
            Start(id);
        }
    }

    public void Start(int nodeId)
    {
        if (_running.ContainsKey(nodeId))
        {
            throw new InvalidOperationException($"node {nodeId} is running");
        }
        var incarnation = ++_incarnations;
        _running[nodeId] = new SimulatedNode(nodeId, incarnation, _disks[nodeId], _config, Router.ChannelFor(nodeId, incarnation), Time, new Random(Random.Next()), NullLoggerFactory.Instance);
    }

    /// <summary>kill -9: the process is gone and what its log had not flushed is lost.</summary>
    public void Kill(int nodeId)
    {
        if (_running.Remove(nodeId, out var node))
        {
            node.Abandon();
            _disks[nodeId].Log.Crash();
        }
    }

    /// <summary>As a kill, and the node's disk is replaced by an empty one.</summary>
    public void KillAndDeletePersistentState(int nodeId)
    {
        Kill(nodeId);
        _disks[nodeId] = new PersistentState();
    }

    public void KillAll()
    {
        foreach (var id in NodeIds)
        {
            Kill(id);
        }
    }

    /// <summary>A graceful shutdown: the node is polled until its client has shut down (a leader resigns first), then stopped.</summary>
    public void BeginShutdown(int nodeId) => _running.GetValueOrDefault(nodeId)?.BeginShutdown();

    /// <summary>Takes out nodes whose graceful shutdown completed.</summary>
    public void ReapShutdownNodes()
    {
        foreach (var node in _running.Values.Where(n => n.HasShutDown).ToList())
        {
            _running.Remove(node.Id);
        }
    }

    /// <summary>The leader that the running nodes agree on for the highest epoch any of them knows, if they all agree.</summary>
    public bool HasConsistentLeader()
    {
        var views = RunningNodes.Select(n => n.Client.LeaderAndEpoch).ToList();
        return views.Count > 0 && views.All(v => v == views[0]) && views[0].LeaderId is { } leader && _running.ContainsKey(leader);
    }

    public int? LatestLeader() =>
        RunningNodes.Select(n => n.Client.LeaderAndEpoch).Where(v => v.LeaderId is not null).OrderByDescending(v => v.Epoch).Select(v => v.LeaderId).FirstOrDefault();

    public long MaxHighWatermarkReached(IEnumerable<int>? among = null) =>
        RunningNodes.Where(n => among is null || among.Contains(n.Id)).Select(n => n.HighWatermark).DefaultIfEmpty(0).Max();

    public bool AnyReachedHighWatermark(long offset) => RunningNodes.Any(n => n.HighWatermark >= offset);

    public bool AllReachedHighWatermark(long offset, IEnumerable<int>? among = null) =>
        RunningNodes.Where(n => among is null || among.Contains(n.Id)).All(n => n.HighWatermark >= offset);

    public override string ToString() =>
        string.Join("; ", NodeIds.Select(id => _running.TryGetValue(id, out var n) ? n.ToString() : $"{id}: down (log end {_disks[id].Log.EndOffset})"));
}

/// <summary>What survives a node's restart: its log and its quorum-state.</summary>
internal sealed class PersistentState
{
    public MemoryRaftLog Log { get; } = new();

    public MemoryQuorumStateStore Store { get; } = new();
}
