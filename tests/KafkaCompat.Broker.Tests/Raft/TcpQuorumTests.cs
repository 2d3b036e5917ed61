using System.Text;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Tests.Raft;

/// <summary>
/// Three voters of a KRaft quorum made of the real pieces (file-backed metadata logs, quorum-state
/// files, Raft clients on their own threads, TCP between their controller listeners on loopback
/// ports): they elect one leader, replicate what it appends to every node, and when the leader's
/// process goes away the two left elect another and keep committing. Real time, Kafka's default
/// timeouts; every wait is bounded, none is asserted.
/// </summary>
[NonParallelizable]
public class TcpQuorumTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private string _root = null!;
    private readonly List<TcpQuorumNode> _nodes = [];

    [SetUp]
    public async Task StartAsync()
    {
        _root = Directory.CreateTempSubdirectory("kafkacompat-quorum-").FullName;
        for (var id = 1; id <= 3; id++)
        {
            _nodes.Add(await TcpQuorumNode.ListenAsync(id, Path.Combine(_root, $"node-{id}")));
        }
        var voters = _nodes.ToDictionary(n => n.Id, n => new RaftEndpoint("127.0.0.1", n.Port));
        foreach (var node in _nodes)
        {
            node.Start(voters);
        }
    }

    [TearDown]
    public async Task StopAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        _nodes.Clear();
        Directory.Delete(_root, recursive: true);
    }

    [Test]
    public async Task ThreeVotersOverTcpElectOneLeaderCommitEverywhereAndElectAnotherWhenItDies()
    {
        var leader = await LeaderAsync(_nodes, "a leader every voter agrees on");
        var epoch = leader.Client!.LeaderAndEpoch.Epoch;
        var first = Append(leader, "first", 20);
        await UntilAsync(() => _nodes.All(n => Holds(n, first)), "the first records committed on every voter");

        await leader.DisposeAsync();
        var survivors = _nodes.Where(n => n != leader).ToList();
        var next = await LeaderAsync(survivors, "a new leader among the two left");
        Assert.That(next.Client!.LeaderAndEpoch.Epoch, Is.GreaterThan(epoch), "a new epoch");
        var second = Append(next, "second", 20);
        await UntilAsync(() => survivors.All(n => Holds(n, first.Concat(second))), "the records appended by the new leader committed on both");

        var committed = survivors.Select(n => n.Committed.Snapshot()).ToList();
        Assert.That(committed[1], Is.EqualTo(committed[0]), "the two voters hold the same committed records at the same offsets");
        _nodes.Remove(leader);
    }

    private static List<string> Append(TcpQuorumNode leader, string prefix, int count)
    {
        var values = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToList();
        var epoch = leader.Client!.LeaderAndEpoch.Epoch;
        foreach (var value in values)
        {
            leader.Client.ScheduleAppend(epoch, [Encoding.UTF8.GetBytes(value)]);
        }
        return values;
    }

    private static bool Holds(TcpQuorumNode node, IEnumerable<string> values)
    {
        var committed = node.Committed.Snapshot().Values.ToHashSet();
        return values.All(committed.Contains);
    }

    private static async Task<TcpQuorumNode> LeaderAsync(IReadOnlyList<TcpQuorumNode> nodes, string what)
    {
        TcpQuorumNode? leader = null;
        await UntilAsync(() =>
        {
            var views = nodes.Select(n => n.Client!.LeaderAndEpoch).Distinct().ToList();
            leader = views.Count == 1 && views[0].LeaderId is { } id ? nodes.FirstOrDefault(n => n.Id == id) : null;
            return leader is not null;
        }, what);
        return leader!;
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bounded;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {Bounded.TotalSeconds} s: {what}");
            }
            await Task.Delay(50);
        }
    }
}
