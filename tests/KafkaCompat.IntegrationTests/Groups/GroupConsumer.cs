using System.Diagnostics;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// A subscribed librdkafka consumer in a group, polled by the test thread (never concurrently).
/// Records every delivery, commits each one synchronously when asked to, and logs the rebalance
/// callbacks it saw, so a test can tell what the coordinator made the client do.
/// </summary>
internal sealed class GroupConsumer : IDisposable
{
    /// <summary>The broker's group.min.session.timeout.ms: the shortest session the coordinator accepts.</summary>
    public const int SessionTimeoutMs = 6_000;

    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private bool _disposed;

    public GroupConsumer(string bootstrapServers, string groupId, string name, bool commitEach = true, Action<ConsumerConfig>? configure = null)
    {
        Name = name;
        CommitEach = commitEach;
        Librdkafka.EnsureMapped();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            ClientId = name,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = SessionTimeoutMs,
            // Heartbeats every half second: the others learn of a rebalance within that.
            HeartbeatIntervalMs = 500,
            // The rebalance timeout of the classic protocol (how long the coordinator waits for rejoins).
            MaxPollIntervalMs = 15_000,
            SocketTimeoutMs = 10_000,
            TopicMetadataRefreshIntervalMs = 2_000,
        };
        configure?.Invoke(config);
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetKeyDeserializer(Deserializers.ByteArray)
            .SetValueDeserializer(Deserializers.ByteArray)
            .SetPartitionsAssignedHandler((_, partitions) => Events.Add(new RebalanceEvent(RebalanceKind.Assigned, [.. partitions.Select(p => p.Partition.Value).Order()])))
            .SetPartitionsRevokedHandler((_, partitions) => Events.Add(new RebalanceEvent(RebalanceKind.Revoked, [.. partitions.Select(p => p.Partition.Value).Order()])))
            .SetPartitionsLostHandler((_, partitions) => Events.Add(new RebalanceEvent(RebalanceKind.Lost, [.. partitions.Select(p => p.Partition.Value).Order()])))
            .SetErrorHandler((_, error) => Errors.Add(error.ToString()))
            .Build();
    }

    public string Name { get; }

    public bool CommitEach { get; set; }

    public IConsumer<byte[]?, byte[]?> Consumer => _consumer;

    /// <summary>Every record delivered, in order (a record delivered twice appears twice).</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> Delivered { get; } = [];

    /// <summary>The records whose synchronous commit the coordinator accepted.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> Committed { get; } = [];

    /// <summary>Commits the coordinator refused (e.g. during a rebalance), as error codes.</summary>
    public List<ErrorCode> CommitFailures { get; } = [];

    /// <summary>The records whose commit the coordinator refused.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> FailedCommits { get; } = [];

    public List<RebalanceEvent> Events { get; } = [];

    public List<string> Errors { get; } = [];

    /// <summary>The partitions of the current assignment, sorted.</summary>
    public int[] Partitions => [.. _consumer.Assignment.Select(p => p.Partition.Value).Order()];

    public void Subscribe(string topic) => _consumer.Subscribe(topic);

    /// <summary>One poll: serves callbacks (rebalances) and takes at most one record.</summary>
    public void Poll(TimeSpan timeout)
    {
        if (_consumer.Consume(timeout) is not { IsPartitionEOF: false } record)
        {
            return;
        }
        Delivered.Add(record);
        if (!CommitEach)
        {
            return;
        }
        try
        {
            _consumer.Commit(record);
            Committed.Add(record);
        }
        catch (KafkaException e)
        {
            CommitFailures.Add(e.Error.Code);
            FailedCommits.Add(record);
        }
    }

    /// <summary>Leaves the group the polite way (LeaveGroup), then releases the client.</summary>
    public void Close()
    {
        if (!_disposed)
        {
            _consumer.Close();
            Dispose();
        }
    }

    /// <summary>
    /// Releases the client without Close: librdkafka sends no LeaveGroup and no more heartbeats,
    /// as for a process that died; the coordinator only notices when the session times out.
    /// </summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _consumer.Dispose();
        }
    }

    /// <summary>
    /// Polls every consumer in turn until <paramref name="condition"/> holds; fails the test after
    /// <paramref name="timeout"/>. Returns the time it took.
    /// </summary>
    public static TimeSpan PollUntil(IReadOnlyCollection<GroupConsumer> consumers, Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"{what}: not after {timeout.TotalSeconds:0.#} s. " + Describe(consumers));
            }
            foreach (var consumer in consumers)
            {
                consumer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
        return clock.Elapsed;
    }

    /// <summary>Subscribes every consumer and polls until each owns <paramref name="each"/> partitions and together they own <paramref name="all"/>, each once.</summary>
    public static void SubscribeAndShare(IReadOnlyCollection<GroupConsumer> consumers, string topic, int[] all, int each, TimeSpan timeout)
    {
        foreach (var consumer in consumers)
        {
            consumer.Subscribe(topic);
        }
        PollUntil(consumers, () => consumers.All(m => m.Partitions.Length == each) && consumers.SelectMany(m => m.Partitions).Order().SequenceEqual(all), timeout,
            $"{consumers.Count} members sharing {all.Length} partitions");
        Assert.That(consumers.SelectMany(m => m.Partitions).Order(), Is.EqualTo(all), "each partition assigned to exactly one member");
    }

    /// <summary>Polls every consumer for a while (to let stray deliveries or rebalances show).</summary>
    public static void PollFor(IReadOnlyCollection<GroupConsumer> consumers, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            foreach (var consumer in consumers)
            {
                consumer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>
    /// Every record produced (<paramref name="sentCount"/>) delivered, and on every partition a
    /// successful commit at its end. A commit covers every earlier offset of its partition: one the
    /// coordinator refused (e.g. ILLEGAL_GENERATION during a rebalance) is covered by the next one
    /// that succeeds, or the record is delivered again from the last committed offset.
    /// </summary>
    public static bool AllCommitted(IReadOnlyCollection<GroupConsumer> consumers, int sentCount)
    {
        var delivered = consumers.SelectMany(c => c.Delivered).ToList();
        if (delivered.Select(r => (r.Partition.Value, r.Offset.Value)).Distinct().Count() < sentCount)
        {
            return false;
        }
        var committedEnd = CommittedEnds(consumers);
        return delivered.GroupBy(r => r.Partition.Value).All(g => committedEnd.TryGetValue(g.Key, out var end) && end == g.Max(r => r.Offset.Value) + 1);
    }

    /// <summary>
    /// Consumed exactly once under manual commits: every record produced was delivered (none
    /// skipped) and committed through; no record was committed successfully twice; a record was
    /// delivered again only after the commit of its earlier delivery failed.
    /// </summary>
    public static void AssertEveryRecordCommittedOnce(IReadOnlyCollection<GroupConsumer> consumers, IReadOnlyCollection<string> sent)
    {
        var describe = Describe(consumers);
        var delivered = consumers.SelectMany(c => c.Delivered).ToList();
        Assert.That(delivered.Select(r => KafkaClients.Text(r.Message.Value)).Distinct(), Is.EquivalentTo(sent), "records delivered = records produced. " + describe);
        var committedEnd = CommittedEnds(consumers);
        foreach (var partition in delivered.GroupBy(r => r.Partition.Value))
        {
            var offsets = partition.Select(r => r.Offset.Value).Distinct().Order().ToList();
            Assert.That(offsets, Is.EqualTo(Enumerable.Range(0, offsets.Count).Select(o => (long)o)), $"offsets delivered from partition {partition.Key}: none skipped");
            Assert.That(committedEnd.GetValueOrDefault(partition.Key), Is.EqualTo(offsets.Count), $"committed offset of partition {partition.Key}: its end");
        }
        Assert.That(consumers.SelectMany(c => c.Committed).Select(r => KafkaClients.Text(r.Message.Value)), Is.Unique, "no record committed twice. " + describe);
        var failed = consumers.SelectMany(c => c.FailedCommits).Select(r => KafkaClients.Text(r.Message.Value)).ToHashSet();
        var again = delivered.GroupBy(r => KafkaClients.Text(r.Message.Value)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.That(again, Is.SubsetOf(failed), "records delivered twice although their commit succeeded. " + describe);
        TestContext.Progress.WriteLine($"{sent.Count} records, {failed.Count} commits refused during rebalances, {again.Count} records delivered again");
    }

    private static Dictionary<int, long> CommittedEnds(IEnumerable<GroupConsumer> consumers) =>
        consumers.SelectMany(c => c.Committed).GroupBy(r => r.Partition.Value).ToDictionary(g => g.Key, g => g.Max(r => r.Offset.Value) + 1);

    public static string Describe(IEnumerable<GroupConsumer> consumers) =>
        string.Join("; ", consumers.Select(c => $"{c.Name}: assigned [{string.Join(",", c._disposed ? [] : c.Partitions)}], delivered {c.Delivered.Count}, committed {c.Committed.Count}, " +
            $"commit failures [{string.Join(",", c.CommitFailures)}], events [{string.Join(" ", c.Events)}], errors [{string.Join(" | ", c.Errors)}]"));
}

internal enum RebalanceKind
{
    Assigned,
    Revoked,
    Lost,
}

internal sealed record RebalanceEvent(RebalanceKind Kind, int[] Partitions)
{
    public override string ToString() => $"{Kind}({string.Join(",", Partitions)})";
}
