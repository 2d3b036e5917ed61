namespace KafkaCompat.Raft.Tests;

/// <summary>Real Raft clients talking to each other in memory: elections, replication and a leader failure end to end.</summary>
public class LocalRaftClusterTests
{
    [Test]
    public void ThreeVotersElectOneLeaderAndCommitItsAppendsOnEveryNode()
    {
        using var cluster = new LocalRaftCluster(1, 2, 3);

        Assert.That(cluster.RunUntil(() => cluster.Leaders.Count() == 1 && AllAgree(cluster)), Is.True, "a leader every node follows");
        var leader = cluster.Leaders.Single();
        leader.Client.ScheduleAppend(leader.Client.LeaderAndEpoch.Epoch, TestRecords.Values("x", "y"));

        Assert.That(cluster.RunUntil(() => cluster.Nodes.Values.All(n => n.Listener.CommittedValues.Count() == 2)), Is.True);
        Assert.That(cluster.Nodes.Values.Select(n => string.Join(",", n.Listener.CommittedValues)), Has.All.EqualTo("x,y"));
        Assert.That(cluster.Nodes.Values.Select(n => n.Listener.LeaderChanges.Last()), Has.All.EqualTo(leader.Client.LeaderAndEpoch));
    }

    [Test]
    public void ALeaderCutOffIsReplacedAndCatchesUpWhenItReturns()
    {
        using var cluster = new LocalRaftCluster(1, 2, 3);
        Assert.That(cluster.RunUntil(() => cluster.Leaders.Count() == 1 && AllAgree(cluster)), Is.True);
        var first = cluster.Leaders.Single();
        first.Client.ScheduleAppend(first.Client.LeaderAndEpoch.Epoch, TestRecords.Values("before"));
        Assert.That(cluster.RunUntil(() => cluster.Nodes.Values.All(n => n.Listener.CommittedValues.Count() == 1)), Is.True);

        cluster.Isolate(first.NodeId);
        Assert.That(cluster.RunUntil(() => cluster.Leaders.Any()), Is.True, "the other two elect a leader");
        var second = cluster.Leaders.Single();
        Assert.That(second.Client.LeaderAndEpoch.Epoch, Is.GreaterThan(first.Client.LeaderAndEpoch.Epoch));
        second.Client.ScheduleAppend(second.Client.LeaderAndEpoch.Epoch, TestRecords.Values("after"));
        Assert.That(cluster.RunUntil(() => second.Listener.CommittedValues.Contains("after")), Is.True, "a majority is enough to commit");

        cluster.Heal(first.NodeId);

        Assert.That(cluster.RunUntil(() => cluster.Nodes.Values.All(n => n.Listener.CommittedValues.Contains("after"))), Is.True, "followers learn the high watermark on their next fetch");
        Assert.That(first.Client.LeaderAndEpoch, Is.EqualTo(second.Client.LeaderAndEpoch));
        Assert.That(cluster.Nodes.Values.Select(n => string.Join(",", n.Listener.CommittedValues)), Has.All.EqualTo("before,after"));
    }

    [Test]
    public void BackToBackLeaderFailuresNeverLoseACommittedRecord([Range(1, 20)] int seed)
    {
        using var cluster = new LocalRaftCluster(seed, [1, 2, 3, 4, 5]);
        var committed = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            Assert.That(cluster.RunUntil(() => cluster.Leaders.Count() == 1), Is.True, $"a leader in round {round}");
            var leader = cluster.Leaders.Single();
            var value = $"round-{round}";
            leader.Client.ScheduleAppend(leader.Client.LeaderAndEpoch.Epoch, TestRecords.Values(value));
            Assert.That(cluster.RunUntil(() => leader.Listener.CommittedValues.Contains(value)), Is.True, $"{value} committed");
            committed.Add(value);
            // Cut off the leader, and heal the one cut off the round before: a majority stays.
            foreach (var node in cluster.Nodes.Keys)
            {
                cluster.Heal(node);
            }
            cluster.Isolate(leader.NodeId);
        }
        foreach (var node in cluster.Nodes.Keys)
        {
            cluster.Heal(node);
        }

        Assert.That(cluster.RunUntil(() => cluster.Nodes.Values.All(n => n.Listener.CommittedValues.Count() == committed.Count) && AllAgree(cluster)), Is.True);
        Assert.That(cluster.Nodes.Values.Select(n => string.Join(",", n.Listener.CommittedValues)), Has.All.EqualTo(string.Join(",", committed)));
    }

    private static bool AllAgree(LocalRaftCluster cluster) =>
        cluster.Nodes.Values.Select(n => n.Client.LeaderAndEpoch).Distinct().Count() == 1;
}
