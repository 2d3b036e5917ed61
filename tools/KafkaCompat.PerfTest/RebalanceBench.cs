using System.Diagnostics;
using Confluent.Kafka;

namespace KafkaCompat.PerfTest;

/// <summary>
/// How long a group takes to own every partition again when a member joins or leaves: the figure the
/// KIP-848 protocol set out to improve (no global barrier, incremental reassignment). Each round adds
/// one member to a group of <see cref="PerfOptions.Members"/> and later removes it; a rebalance is over
/// when every partition is owned by exactly one member and every member owns its fair share
/// (⌊P/N⌋ or ⌈P/N⌉: both broker assignors and librdkafka's range and cooperative-sticky balance a
/// single topic so). Ownership is what each consumer's own assignment says, read on its poll thread.
/// </summary>
internal static class RebalanceBench
{
    public static int Run(PerfOptions o)
    {
        TopicSetup.EnsureTopic(o);
        var group = $"rebalance-{o.GroupProtocol}-{o.AssignmentStrategy}-{Guid.NewGuid():N}";
        var members = new List<GroupMemberLoop>();
        for (var i = 0; i < o.Members; i++)
        {
            members.Add(new GroupMemberLoop(o, group));
        }
        if (WaitBalanced(members, o, TimeSpan.FromMinutes(2)) is null)
        {
            Console.WriteLine($"the first {o.Members} members never owned the {o.Partitions} partitions");
            return 1;
        }
        var joins = new List<double>();
        var leaves = new List<double>();
        for (var round = 0; round < o.Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var joining = new GroupMemberLoop(o, group);
            members.Add(joining);
            var joined = WaitBalanced(members, o, TimeSpan.FromMinutes(2));
            var leaving = members[0];
            members.RemoveAt(0);
            clock.Restart();
            leaving.Dispose();
            var left = WaitBalanced(members, o, TimeSpan.FromMinutes(2));
            if (joined is null || left is null)
            {
                Console.WriteLine($"round {round + 1}: the group never settled (join {joined}, leave {left})");
                return 1;
            }
            joins.Add(joined.Value.TotalMilliseconds);
            leaves.Add(left.Value.TotalMilliseconds);
            Console.WriteLine($"round {round + 1}: {o.Members} -> {o.Members + 1} members settled in {joined.Value.TotalMilliseconds:F0} ms; back to {o.Members} in {left.Value.TotalMilliseconds:F0} ms");
        }
        foreach (var member in members)
        {
            member.Dispose();
        }
        Console.WriteLine($"{o.GroupProtocol} protocol{(o.GroupProtocol == "classic" ? $" ({o.AssignmentStrategy})" : "")}, {o.Partitions} partitions, {o.Members}<->{o.Members + 1} members, {o.Rounds} rounds: " +
            $"join median {Median(joins):F0} ms (min {joins.Min():F0}, max {joins.Max():F0}); leave median {Median(leaves):F0} ms (min {leaves.Min():F0}, max {leaves.Max():F0})");
        return 0;

        // The time from the change to the first balanced moment, measured by the caller's clock.
        TimeSpan? WaitBalanced(List<GroupMemberLoop> current, PerfOptions options, TimeSpan limit)
        {
            var since = Stopwatch.StartNew();
            while (since.Elapsed < limit)
            {
                if (IsBalanced(current, options.Partitions))
                {
                    return since.Elapsed;
                }
                Thread.Sleep(5);
            }
            return null;
        }
    }

    private static bool IsBalanced(List<GroupMemberLoop> members, int partitions)
    {
        var owned = new bool[partitions];
        var total = 0;
        var fewest = partitions / members.Count;
        foreach (var member in members)
        {
            var mine = member.Owned;
            if (mine.Count < fewest || mine.Count > fewest + (partitions % members.Count == 0 ? 0 : 1))
            {
                return false;
            }
            foreach (var partition in mine)
            {
                if (owned[partition])
                {
                    return false;
                }
                owned[partition] = true;
                total++;
            }
        }
        return total == partitions;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>One consumer of the measured group, polling on its own thread and publishing what it owns.</summary>
internal sealed class GroupMemberLoop : IDisposable
{
    private readonly IConsumer<Ignore, Ignore> consumer;
    private readonly Thread thread;
    private volatile bool stopping;

    public GroupMemberLoop(PerfOptions o, string group)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = o.BootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Latest,
        };
        if (o.GroupProtocol == "consumer")
        {
            config.GroupProtocol = GroupProtocol.Consumer;
        }
        else
        {
            config.PartitionAssignmentStrategy = o.AssignmentStrategy == "cooperative-sticky"
                ? PartitionAssignmentStrategy.CooperativeSticky : PartitionAssignmentStrategy.Range;
        }
        consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        consumer.Subscribe(o.Topic);
        thread = new Thread(Poll) { IsBackground = true, Name = "rebalance-member" };
        thread.Start();
    }

    /// <summary>The partitions this member's consumer says it owns, as of its last poll.</summary>
    public volatile IReadOnlyList<int> Owned = [];

    private void Poll()
    {
        while (!stopping)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(20));
            Owned = consumer.Assignment.Select(tp => tp.Partition.Value).ToArray();
        }
    }

    /// <summary>Leaves the group as an application does: Close() sends the leave, then the handle goes.</summary>
    public void Dispose()
    {
        stopping = true;
        thread.Join();
        consumer.Close();
        consumer.Dispose();
    }
}
