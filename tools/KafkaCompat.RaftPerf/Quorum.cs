using System.Diagnostics;
using KafkaCompat.Broker.Tests.Raft;
using KafkaCompat.Raft;

namespace KafkaCompat.RaftPerf;

/// <summary>
/// Three voters (TcpQuorumNode: file logs, quorum-state files, controller listeners over loopback
/// TCP) in one process, each with a <see cref="TimingListener"/>; a stopped node can be started
/// again on its port and directory, as a restarted process.
/// </summary>
internal sealed class Quorum : IAsyncDisposable
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private readonly Func<IReadOnlyDictionary<int, RaftEndpoint>, QuorumConfig> _config;
    private readonly TcpQuorumNode?[] _nodes = new TcpQuorumNode?[3];
    private readonly TimingListener?[] _listeners = new TimingListener?[3];
    private IReadOnlyDictionary<int, RaftEndpoint> _voters = new Dictionary<int, RaftEndpoint>();

    private Quorum(string root, Func<IReadOnlyDictionary<int, RaftEndpoint>, QuorumConfig> config)
    {
        _root = root;
        _config = config;
    }

    /// <summary>Set by any listener on a commit or leader change; a waiter resets it, checks, then waits.</summary>
    public ManualResetEventSlim Changed { get; } = new();

    public IEnumerable<int> Running => Enumerable.Range(1, 3).Where(id => _nodes[id - 1] is not null);

    public static async Task<Quorum> StartAsync(Func<IReadOnlyDictionary<int, RaftEndpoint>, QuorumConfig> config)
    {
        var quorum = new Quorum(Directory.CreateTempSubdirectory("kafkacompat-raftperf-").FullName, config);
        for (var id = 1; id <= 3; id++)
        {
            quorum._nodes[id - 1] = await TcpQuorumNode.ListenAsync(id, Path.Combine(quorum._root, $"node-{id}"));
        }
        quorum._voters = quorum._nodes.ToDictionary(n => n!.Id, n => new RaftEndpoint("127.0.0.1", n!.Port));
        for (var id = 1; id <= 3; id++)
        {
            quorum.StartClient(id);
        }
        return quorum;
    }

    public TcpQuorumNode Node(int id) => _nodes[id - 1] ?? throw new InvalidOperationException($"node {id} is stopped");

    public TimingListener Listener(int id) => _listeners[id - 1]!;

    /// <summary>Waits until every running node's listener was told of the same leader, of an epoch after <paramref name="afterEpoch"/>.</summary>
    public LeaderAndEpoch AwaitAgreedLeader(int afterEpoch) =>
        Await(() =>
        {
            var views = Running.Select(id => Listener(id).Leader.Leader).Distinct().ToList();
            return views.Count == 1 && views[0].LeaderId is not null && views[0].Epoch > afterEpoch ? views[0] : (LeaderAndEpoch?)null;
        }, "a leader every running voter agrees on");

    /// <summary>Waits until every running node's listener has <paramref name="offset"/> committed.</summary>
    public void AwaitCommitted(long offset) =>
        Await(() => Running.All(id => Listener(id).CommittedUpTo >= offset) ? true : (bool?)null, $"offset {offset} committed everywhere");

    /// <summary>Stops node <paramref name="id"/> as a killed process (no resignation).</summary>
    public async Task KillAsync(int id)
    {
        await Node(id).DisposeAsync();
        _nodes[id - 1] = null;
    }

    /// <summary>Stops node <paramref name="id"/> gracefully (a leader resigns, naming successors).</summary>
    public async Task ShutdownAsync(int id)
    {
        await Node(id).ShutdownGracefullyAsync(5000);
        _nodes[id - 1] = null;
    }

    /// <summary>Starts node <paramref name="id"/> again on its port and directory.</summary>
    public async Task RestartAsync(int id)
    {
        _nodes[id - 1] = await TcpQuorumNode.ListenAsync(id, Path.Combine(_root, $"node-{id}"), _voters[id].Port);
        StartClient(id);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in Running.ToList())
        {
            await KillAsync(id);
        }
        Directory.Delete(_root, recursive: true);
    }

    private void StartClient(int id)
    {
        var listener = new TimingListener(Changed);
        _listeners[id - 1] = listener;
        var node = Node(id);
        node.Start(_config(_voters));
        node.Client!.Register(listener);
    }

    private T Await<T>(Func<T?> condition, string what) where T : struct
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Bounded.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Changed.Reset();
            if (condition() is { } done)
            {
                return done;
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"not within {Bounded.TotalSeconds} s: {what}");
            }
            Changed.Wait(100);
        }
    }
}
