using System.Globalization;

namespace KafkaCompat.Raft.Tests.Simulation;

/// <summary>
/// The quorum's scenarios of Kafka's RaftEventSimulationTest, each run over many seeds (the seed
/// also picks the number of voters and observers). The README's test command runs
/// <see cref="SeedsPerScenario"/> seeds of each; <c>RAFT_SIMULATION_SEEDS=N</c> runs N
/// (tools/raft-simulation.sh runs thousands), and <c>RAFT_SIMULATION_FIRST_SEED</c> moves the
/// range. A failure names its seed in the test name and prints the cluster's state; run
/// <c>dotnet test tests/KafkaCompat.Raft.Tests --filter "Name~CanElectInitialLeader(1234)"</c>
/// with that range to replay it alone.
/// </summary>
[Category("Simulation")]
public class RaftSimulationTests
{
    private const int SeedsPerScenario = 50;

    public static IEnumerable<int> Seeds()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("RAFT_SIMULATION_SEEDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : SeedsPerScenario;
        var first = int.TryParse(Environment.GetEnvironmentVariable("RAFT_SIMULATION_FIRST_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var f) ? f : 0;
        return Enumerable.Range(first, count);
    }

    [TestCaseSource(nameof(Seeds))]
    public void CanElectInitialLeader(int seed) => Run(seed, minVoters: 1, maxObservers: 5, scenario: sim =>
    {
        sim.StartAll();
        sim.RunUntil(sim.Cluster.HasConsistentLeader, "a leader every node agrees on");
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(10), "every node at high watermark 10");
    });

    [TestCaseSource(nameof(Seeds))]
    public void CanElectNewLeaderAfterOldLeaderFailure(int seed) => Run(seed, minVoters: 3, maxObservers: 5, scenario: sim =>
    {
        SeedWithData(sim);
        var leader = sim.Cluster.LatestLeader()!.Value;
        if (sim.Cluster.Random.Next(2) == 0)
        {
            sim.Cluster.BeginShutdown(leader);
        }
        else
        {
            sim.Cluster.Kill(leader);
        }
        sim.RunUntil(() => sim.Cluster.Running(leader) is null && sim.Cluster.AllReachedHighWatermark(20), "the others at high watermark 20 without the old leader");
        var highWatermark = sim.Cluster.MaxHighWatermarkReached();
        sim.Cluster.Start(leader);
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(highWatermark + 10), $"every node, the old leader too, at high watermark {highWatermark + 10}");
    });

    [TestCaseSource(nameof(Seeds))]
    public void CanRecoverAfterAllNodesKilled(int seed) => Run(seed, minVoters: 1, maxObservers: 5, scenario: sim =>
    {
        SeedWithData(sim);
        var highWatermark = sim.Cluster.MaxHighWatermarkReached();
        sim.Cluster.KillAll();
        foreach (var id in sim.Cluster.NodeIds.Take(sim.Cluster.MajoritySize))
        {
            sim.Cluster.Start(id);
        }
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(highWatermark + 10), $"a majority restarted at high watermark {highWatermark + 10}");
    });

    [TestCaseSource(nameof(Seeds))]
    public void CanElectNewLeaderAfterOldLeaderPartitionedAway(int seed) => Run(seed, minVoters: 3, maxObservers: 5, scenario: sim =>
    {
        SeedWithData(sim);
        var leader = sim.Cluster.LatestLeader()!.Value;
        sim.Router.Filter(leader, new DropAllTraffic());
        var others = sim.Cluster.NodeIds.Where(id => id != leader).ToList();
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(20, others), "the nodes left at high watermark 20");
    });

    [TestCaseSource(nameof(Seeds))]
    public void CanMakeProgressIfMajorityIsReachable(int seed) => Run(seed, voters: 5, maxObservers: 3, scenario: sim =>
    {
        SeedWithData(sim);
        HashSet<int> minority = [0, 1];
        HashSet<int> majority = [2, 3, 4];
        foreach (var id in minority)
        {
            sim.Router.Filter(id, new DropInboundRequestsFrom(majority));
        }
        foreach (var id in majority)
        {
            sim.Router.Filter(id, new DropInboundRequestsFrom(minority));
        }
        var target = sim.Cluster.MaxHighWatermarkReached() + 10;
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(target, majority), $"the majority side at high watermark {target}");
        Assert.That(sim.Cluster.MaxHighWatermarkReached(majority), Is.GreaterThan(sim.Cluster.MaxHighWatermarkReached(minority)), "only the majority makes progress");

        sim.Router.PermitAll();
        var healed = sim.Cluster.MaxHighWatermarkReached() + 10;
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(healed), $"every node at high watermark {healed} after the partition heals");
    });

    [TestCaseSource(nameof(Seeds))]
    public void CanMakeProgressAfterBackToBackLeaderFailures(int seed) => Run(seed, minVoters: 3, maxObservers: 5, scenario: sim =>
    {
        SeedWithData(sim, deliveryJitterMs: 5);
        var leader = sim.Cluster.LatestLeader()!.Value;
        sim.Router.Filter(leader, new DropAllTraffic());
        sim.RunUntil(() => sim.Cluster.LatestLeader() is { } l && l != leader, "a new leader after the first is cut off");
        var newLeader = sim.Cluster.LatestLeader()!.Value;
        sim.Router.PermitAll();
        sim.Router.Filter(newLeader, new DropAllTraffic());
        var target = sim.Cluster.MaxHighWatermarkReached() + 10;
        sim.RunUntil(() => sim.Cluster.AnyReachedHighWatermark(target), $"progress to high watermark {target} after the second is cut off");
    });

    /// <summary>Without MonotonicEpoch and MajorityReachedHighWatermark: losing a node's disk may break both, but no committed record may be lost.</summary>
    [TestCaseSource(nameof(Seeds))]
    public void CanRecoverFromSingleNodeCommittedDataLoss(int seed) => Run(seed, minVoters: 3, maxObservers: 2, defaultInvariants: false, scenario: sim =>
    {
        SeedWithData(sim, deliveryJitterMs: 5);
        var running = sim.Cluster.RunningNodes.ToList();
        var victim = running[sim.Cluster.Random.Next(running.Count)].Id;
        sim.Cluster.KillAndDeletePersistentState(victim);
        sim.RunUntil(() => sim.Cluster.LatestLeader() != victim && sim.Cluster.HasConsistentLeader(), "a leader other than the node that lost its disk");
        var highWatermark = sim.Cluster.MaxHighWatermarkReached();
        sim.Cluster.Start(victim);
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(highWatermark + 10), $"every node, the one that lost its disk too, at high watermark {highWatermark + 10}");
    });

    /// <summary>
    /// A follower or observer is killed or cut off while the others commit and trim their logs
    /// behind their snapshots past its log end; back, it is sent to the leader's snapshot (KIP-630),
    /// fetches it and follows the log from there, and ends with every committed value.
    /// </summary>
    [TestCaseSource(nameof(Seeds))]
    public void CanCatchUpBySnapshotAfterFallingBehindTheLogStart(int seed) => Run(seed, minVoters: 3, maxObservers: 2, scenario: sim =>
    {
        SeedWithData(sim);
        var leader = sim.Cluster.LatestLeader()!.Value;
        var others = sim.Cluster.NodeIds.Where(id => id != leader).ToList();
        var victim = others[sim.Cluster.Random.Next(others.Count)];
        var killed = sim.Cluster.Random.Next(2) == 0;
        if (killed)
        {
            sim.Cluster.Kill(victim);
        }
        else
        {
            sim.Router.Filter(victim, new DropAllTraffic());
        }
        var victimLogEnd = sim.Cluster.Disks[victim].Log.EndOffset;
        var rest = sim.Cluster.NodeIds.Where(id => id != victim).ToList();
        sim.RunUntil(() => sim.Cluster.LatestLeader() is { } l && l != victim && sim.Cluster.Disks[l].Log.StartOffset > victimLogEnd && sim.Cluster.AllReachedHighWatermark(sim.Cluster.Disks[l].Log.StartOffset, rest),
            $"the leader's log trimmed past node {victim}'s log end {victimLogEnd}");
        if (killed)
        {
            sim.Cluster.Start(victim);
        }
        else
        {
            sim.Router.PermitAll();
        }
        var target = sim.Cluster.MaxHighWatermarkReached() + 10;
        sim.RunUntil(() => sim.Cluster.AllReachedHighWatermark(target), $"every node, node {victim} too, at high watermark {target}");

        var caughtUp = sim.Cluster.Running(victim)!;
        Assert.That(caughtUp.LogStartOffset, Is.GreaterThan(victimLogEnd), "it restarted its log at a snapshot");
        Assert.That(caughtUp.Committed.SnapshotsLoaded, Is.Positive, "its state machine loaded the snapshot");
        var reference = sim.Cluster.RunningNodes.First(n => n.Id != victim).Committed.Values;
        var common = Math.Min(caughtUp.HighWatermark, sim.Cluster.RunningNodes.Where(n => n.Id != victim).Min(n => n.HighWatermark));
        Assert.That(caughtUp.Committed.Values.Where(v => v.Key < common), Is.EqualTo(reference.Where(v => v.Key < common)), "every committed value below the common high watermark");
    });

    private static void SeedWithData(Simulation sim, int deliveryJitterMs = 1)
    {
        sim.StartAll(deliveryJitterMs);
        sim.RunUntil(sim.Cluster.HasConsistentLeader, "a leader every node agrees on");
        sim.RunUntil(() => sim.Cluster.AnyReachedHighWatermark(10), "a node at high watermark 10");
    }

    private static void Run(int seed, Action<Simulation> scenario, int minVoters = 1, int? voters = null, int maxObservers = 0, bool defaultInvariants = true)
    {
        // The seed picks the shape too, so each seed is one whole, replayable run.
        var shape = new Random(seed);
        var voterCount = voters ?? shape.Next(minVoters, 6);
        var observerCount = shape.Next(maxObservers + 1);
        var sim = new Simulation(seed, voterCount, observerCount, defaultInvariants);
        try
        {
            scenario(sim);
        }
        catch (Exception e) when (e is not AssertionException)
        {
            Assert.Fail($"{e.Message}\n{voterCount} voters, {observerCount} observers, {sim}\n{e}");
        }
    }
}
