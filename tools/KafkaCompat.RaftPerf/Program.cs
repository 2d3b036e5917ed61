using System.Diagnostics;
using System.Globalization;
using KafkaCompat.Raft;
using KafkaCompat.RaftPerf;

// kafkacompat-raftperf commit [--linger-ms 25] [--appends 2000] [--burst 1]
//   Raft commit latency with three voters over loopback TCP: from ScheduleAppend on the leader until
//   every voter's listener was handed the record as committed (and, apart, until the leader's own
//   listener was: the majority's commit). --burst N schedules N appends at once
//   and waits for all of them before the next burst.
// kafkacompat-raftperf elect [--rounds 20] [--graceful]
//   Time from stopping the leader (killed: listener and client stopped without resigning; graceful:
//   BeginShutdown, EndQuorumEpoch to the others) until both survivors' listeners were told of the
//   same new leader (and, apart, until their Raft clients' LeaderAndEpoch agree). The stopped node is started again and catches up before the next round.
var mode = args.Length > 0 ? args[0] : "";
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

switch (mode)
{
    case "commit":
        await CommitLatencyAsync(Option("--linger-ms", 25), Option("--appends", 2000), Option("--burst", 1));
        return 0;
    case "elect":
        await ElectionTimeAsync(Option("--rounds", 20), args.Contains("--graceful"));
        return 0;
    default:
        Console.Error.WriteLine("usage: kafkacompat-raftperf commit [--linger-ms 25] [--appends 2000] [--burst 1] | elect [--rounds 20] [--graceful]");
        return 2;
}

static async Task CommitLatencyAsync(int lingerMs, int appends, int burst)
{
    await using var quorum = await Quorum.StartAsync(voters => new QuorumConfig { Voters = voters, AppendLingerMs = lingerMs });
    var leader = quorum.AwaitAgreedLeader(0);
    var client = quorum.Node(leader.LeaderId!.Value).Client!;
    var record = new byte[100];
    var latencies = new List<double>(appends);
    var onLeader = new List<double>(appends);
    var started = Stopwatch.GetTimestamp();
    while (latencies.Count < appends)
    {
        var scheduled = new List<(long Offset, long At)>(burst);
        for (var i = 0; i < burst; i++)
        {
            var at = Stopwatch.GetTimestamp();
            scheduled.Add((client.ScheduleAppend(leader.Epoch, [record]), at));
        }
        quorum.AwaitCommitted(scheduled[^1].Offset);
        foreach (var (offset, at) in scheduled)
        {
            var everywhere = quorum.Running.Max(id => quorum.Listener(id).CommittedAt(offset));
            latencies.Add(Stopwatch.GetElapsedTime(at, everywhere).TotalMilliseconds);
            onLeader.Add(Stopwatch.GetElapsedTime(at, quorum.Listener(leader.LeaderId.Value).CommittedAt(offset)).TotalMilliseconds);
        }
    }
    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"commit linger.ms={lingerMs} burst={burst} appends={latencies.Count} ({latencies.Count / seconds:F0}/s): every voter {Percentiles(latencies)}; leader (majority) {Percentiles(onLeader)}"));
}

static async Task ElectionTimeAsync(int rounds, bool graceful)
{
    await using var quorum = await Quorum.StartAsync(voters => new QuorumConfig { Voters = voters });
    var leader = quorum.AwaitAgreedLeader(0);
    var times = new List<double>(rounds);
    var elected = new List<double>(rounds);
    for (var round = 0; round < rounds; round++)
    {
        var id = leader.LeaderId!.Value;
        var stopped = Stopwatch.GetTimestamp();
        var stopping = graceful ? quorum.ShutdownAsync(id) : quorum.KillAsync(id);
        // The election proper: the survivors' Raft clients (polled each millisecond) name the same
        // new leader, before the new leader's listeners are told (which waits for its first commit).
        var survivors = Enumerable.Range(1, 3).Where(n => n != id).Select(n => quorum.Node(n).Client!).ToList();
        while (survivors.Select(c => c.LeaderAndEpoch).Distinct().ToList() is not [{ LeaderId: not null } view] || view.Epoch <= leader.Epoch)
        {
            Thread.Sleep(1);
        }
        elected.Add(Stopwatch.GetElapsedTime(stopped).TotalMilliseconds);
        await stopping;
        var next = quorum.AwaitAgreedLeader(leader.Epoch);
        var agreed = quorum.Running.Max(survivor => quorum.Listener(survivor).Leader.At);
        times.Add(Stopwatch.GetElapsedTime(stopped, agreed).TotalMilliseconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round + 1}: leader {id} epoch {leader.Epoch} -> leader {next.LeaderId} epoch {next.Epoch}: elected in {elected[^1]:F0} ms, listeners told in {times[^1]:F0} ms"));

        // The stopped node comes back and catches up on the new leader's log before the next round,
        // so that each round starts from three voters in step.
        await quorum.RestartAsync(id);
        var offset = quorum.Node(next.LeaderId!.Value).Client!.ScheduleAppend(next.Epoch, [new byte[1]]);
        quorum.AwaitCommitted(offset);
        leader = quorum.AwaitAgreedLeader(next.Epoch - 1);
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"elect {(graceful ? "graceful" : "killed")} rounds={rounds}: survivors' clients agree {Percentiles(elected)}; their listeners told {Percentiles(times)}"));
}

static string Percentiles(List<double> values)
{
    var sorted = values.Order().ToList();
    double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
    return string.Create(CultureInfo.InvariantCulture,
        $"min {sorted[0]:F2} p50 {At(0.50):F2} p99 {At(0.99):F2} max {sorted[^1]:F2} ms");
}
