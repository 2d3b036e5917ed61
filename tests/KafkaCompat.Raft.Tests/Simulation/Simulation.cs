namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// One seeded run: a cluster, the scheduler that polls its nodes, delivers its messages and has
/// the leader append a counter, with the default invariants checked after every event. Everything
/// random comes from the one seed, so a failing seed replays the same run.
/// </summary>
internal sealed class Simulation
{
    /// <summary>Kafka's simulation timings, so a seed exercises the same races as there (elections within about a second).</summary>
    private static readonly QuorumConfig Timings = new()
    {
        ElectionTimeoutMs = 1000,
        FetchTimeoutMs = 3000,
        ElectionBackoffMaxMs = 1000,
        RequestTimeoutMs = 3000,
        RetryBackoffMs = 50,
        AppendLingerMs = 0,
    };

    private int _nextValue;

    public Simulation(int seed, int voters, int observers, bool defaultInvariants = true)
    {
        Seed = seed;
        var random = new Random(seed);
        var time = new SimulationTime();
        Cluster = new Cluster(voters, observers, random, time, Timings);
        Scheduler = new EventScheduler(random, time);
        Scheduler.AddInvariant(new MonotonicHighWatermark(Cluster));
        Scheduler.AddInvariant(new SingleLeader(Cluster));
        Scheduler.AddInvariant(new ConsistentCommittedData(Cluster));
        Scheduler.AddInvariant(new SnapshotAtLogStart(Cluster));
        if (defaultInvariants)
        {
            Scheduler.AddInvariant(new MonotonicEpoch(Cluster));
            Scheduler.AddInvariant(new MajorityReachedHighWatermark(Cluster));
        }
    }

    public int Seed { get; }

    public Cluster Cluster { get; }

    public EventScheduler Scheduler { get; }

    public MessageRouter Router => Cluster.Router;

    /// <summary>Starts every node, polls each every 3-8 ms, delivers messages every 2-3 ms and appends from the leader every 2-5 ms.</summary>
    public void StartAll(int deliveryJitterMs = 1)
    {
        Cluster.StartAll();
        foreach (var id in Cluster.NodeIds)
        {
            Scheduler.SchedulePeriodic(() => Cluster.Running(id)?.Poll(), 0, 3, 5);
        }
        Scheduler.SchedulePeriodic(Router.DeliverAll, 0, 2, deliveryJitterMs);
        Scheduler.SchedulePeriodic(Cluster.ReapShutdownNodes, 0, 5, 0);
        Scheduler.SchedulePeriodic(AppendFromLeader, 0, 2, 3);
    }

    public void RunUntil(Func<bool> condition, string what) => Scheduler.RunUntil(condition, what);

    private void AppendFromLeader()
    {
        foreach (var node in Cluster.RunningNodes)
        {
            if (node.TryAppend(_nextValue))
            {
                _nextValue++;
            }
        }
    }

    public override string ToString() => $"seed {Seed} at {Scheduler.Time.NowMs} ms: {Cluster}";
}
