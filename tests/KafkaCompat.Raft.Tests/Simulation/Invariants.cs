namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>The high watermark a running incarnation of a node reports never goes back.</summary>
internal sealed class MonotonicHighWatermark(Cluster cluster) : IInvariant
{
    private readonly Dictionary<int, (int Incarnation, long HighWatermark)> _seen = [];

    public void Verify()
    {
        foreach (var node in cluster.RunningNodes)
        {
            var hw = node.HighWatermark;
            if (_seen.TryGetValue(node.Id, out var seen) && seen.Incarnation == node.Incarnation && hw < seen.HighWatermark)
            {
                throw new SimulationFailure($"node {node.Id}'s high watermark went back from {seen.HighWatermark} to {hw}");
            }
            _seen[node.Id] = (node.Incarnation, hw);
        }
    }
}

/// <summary>The epoch a node has persisted never goes back, across restarts too.</summary>
internal sealed class MonotonicEpoch(Cluster cluster) : IInvariant
{
    private readonly Dictionary<int, int> _seen = [];

    public void Verify()
    {
        foreach (var (id, disk) in cluster.Disks)
        {
            var epoch = disk.Store.ReadElectionState()?.Epoch ?? 0;
            if (_seen.TryGetValue(id, out var seen) && epoch < seen)
            {
                throw new SimulationFailure($"node {id}'s persisted epoch went back from {seen} to {epoch}");
            }
            _seen[id] = epoch;
        }
    }
}

/// <summary>At most one node ever leads a given epoch.</summary>
internal sealed class SingleLeader(Cluster cluster) : IInvariant
{
    private readonly Dictionary<int, int> _leaders = [];

    public void Verify()
    {
        foreach (var node in cluster.RunningNodes.Where(n => n.IsLeader))
        {
            var epoch = node.Client.LeaderAndEpoch.Epoch;
            if (_leaders.TryGetValue(epoch, out var leader) && leader != node.Id)
            {
                throw new SimulationFailure($"nodes {leader} and {node.Id} both led epoch {epoch}");
            }
            _leaders[epoch] = node.Id;
        }
    }
}

/// <summary>Whatever high watermark a node reports, a majority of the voters' logs reach it.</summary>
internal sealed class MajorityReachedHighWatermark(Cluster cluster) : IInvariant
{
    public void Verify()
    {
        var highWatermark = cluster.MaxHighWatermarkReached();
        var reached = cluster.VoterIds.Count(id => cluster.Disks[id].Log.EndOffset >= highWatermark);
        if (reached < cluster.MajoritySize)
        {
            throw new SimulationFailure($"high watermark {highWatermark} is on {reached} voters' logs, fewer than a majority ({cluster.MajoritySize})");
        }
    }
}

/// <summary>Every node was told the same committed value at each offset (the first one told of it sets it).</summary>
internal sealed class ConsistentCommittedData(Cluster cluster) : IInvariant
{
    private readonly Dictionary<long, (int Value, int Node)> _committed = [];

    public void Verify()
    {
        foreach (var node in cluster.RunningNodes)
        {
            foreach (var (offset, value) in node.Committed.Values)
            {
                if (!_committed.TryGetValue(offset, out var first))
                {
                    _committed[offset] = (value, node.Id);
                }
                else if (first.Value != value)
                {
                    throw new SimulationFailure($"offset {offset} committed as {first.Value} on node {first.Node} and as {value} on node {node.Id}");
                }
            }
        }
    }
}

/// <summary>A log that does not start at 0 starts where a snapshot ends.</summary>
internal sealed class SnapshotAtLogStart(Cluster cluster) : IInvariant
{
    public void Verify()
    {
        foreach (var (id, disk) in cluster.Disks)
        {
            var start = disk.Log.StartOffset;
            if (start > 0 && disk.Log.EarliestSnapshotId?.Offset != start)
            {
                throw new SimulationFailure($"node {id}'s log starts at {start} but its earliest snapshot is {disk.Log.EarliestSnapshotId?.ToString() ?? "none"}");
            }
        }
    }
}
