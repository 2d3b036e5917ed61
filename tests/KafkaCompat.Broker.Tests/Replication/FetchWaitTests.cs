using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Fetch;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Broker.Tests.Replication;

/// <summary>
/// Fetch's long poll as a delayed operation, on a clock that only the test moves: a fetch that returns
/// while the clock stands still was woken by an append, not by its max.wait.ms running out.
/// </summary>
public class FetchWaitTests
{
    // Long enough to tell a fetch that hangs on its max wait from one that was woken (the clock never moves).
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [TestCase((short)4)]
    [TestCase((short)12)]
    public async Task AnAppendBetweenTheReadAndTheWaitWakesTheFetch(short version)
    {
        // The clock is read once the partitions have been read and before the wait starts: the append
        // lands in exactly that window. A fetch that registers for wake-ups only after reading misses it
        // and waits out max.wait.ms, which on this clock never comes.
        var time = new HookedTime(new FakeTime());
        using var harness = new ReplicaHarness(time);
        var handler = Handler(harness, time);
        var appended = false;
        time.OnNow = () =>
        {
            if (time.Calls == 2 && !appended)
            {
                appended = true;
                harness.Partition().AppendAsLeader(ReplicaHarness.Batch(1, "late"));
            }
        };

        // The fetch reads the clock for its deadline (call 1), then again once it has read (call 2).
        time.Calls = 0;
        var fetch = handler.HandleAsync(ReplicaHarness.Context(ApiKey.Fetch, version), Request(maxWaitMs: 60_000, minBytes: 1), CancellationToken.None).AsTask();
        await Task.WhenAny(fetch, Task.Delay(Hang));

        Assert.That(appended, Is.True, "the append was made while the fetch was in progress");
        Assert.That(fetch.IsCompleted, Is.True, "the fetch saw the append without waiting for max.wait.ms");
        Assert.That(Values(await fetch), Is.EqualTo(new[] { "late" }));
    }

    [Test]
    public async Task AWaitingFetchReturnsWhenAnotherConnectionAppends()
    {
        var time = new FakeTime();
        using var harness = new ReplicaHarness(time);
        var fetch = Handler(harness, time).HandleAsync(ReplicaHarness.Context(ApiKey.Fetch, 12), Request(maxWaitMs: 60_000, minBytes: 1), CancellationToken.None).AsTask();
        Assert.That(fetch.IsCompleted, Is.False, "nothing to read yet: the fetch waits");

        harness.Partition().AppendAsLeader(ReplicaHarness.Batch(1, "a", "b"));
        await Task.WhenAny(fetch, Task.Delay(Hang));

        Assert.That(fetch.IsCompleted, Is.True);
        Assert.That(Values(await fetch), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task AFetchWithTooLittleDataAnswersWhenMaxWaitPasses()
    {
        var time = new FakeTime();
        using var harness = new ReplicaHarness(time);
        harness.Partition().AppendAsLeader(ReplicaHarness.Batch(1, "small"));
        var fetch = Handler(harness, time).HandleAsync(ReplicaHarness.Context(ApiKey.Fetch, 12), Request(maxWaitMs: 500, minBytes: 1 << 20), CancellationToken.None).AsTask();
        Assert.That(fetch.IsCompleted, Is.False, "fewer than min.bytes: the fetch waits");

        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.That(fetch.IsCompleted, Is.False, "max.wait.ms has not passed");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAny(fetch, Task.Delay(Hang));

        Assert.That(fetch.IsCompleted, Is.True);
        Assert.That(Values(await fetch), Is.EqualTo(new[] { "small" }), "what there is, once max.wait.ms has passed");
    }

    [Test]
    public async Task TheBrokersFetchMaxBytesCapsTheRequestsMaxBytes()
    {
        var time = new FakeTime();
        using var harness = new ReplicaHarness(time, partitions: 2);
        var value = new string('x', 700);
        harness.Partition(0).AppendAsLeader(ReplicaHarness.Batch(1, value));
        harness.Partition(1).AppendAsLeader(ReplicaHarness.Batch(1, value));
        harness.Broker.Apply(harness.Metadata.Image);
        var broker = new BrokerState(BrokerConfig.Create(new Dictionary<string, string> { ["fetch.max.bytes"] = "1024" }), "test-cluster");

        var handler = new FetchHandler(harness.Replicas, harness.Metadata, new FetchSessionCache(time), broker, time);
        using var answer = await handler.HandleAsync(ReplicaHarness.Context(ApiKey.Fetch, 12), Request(maxWaitMs: 0, minBytes: 0, partitions: 2), CancellationToken.None);
        var response = (FetchResponseData)answer!.Body;

        var sizes = response.Responses.Single().Partitions.OrderBy(p => p.PartitionIndex).Select(p => p.Records?.Length ?? 0).ToList();
        Assert.That(sizes[0], Is.GreaterThan(700), "the first batch is returned whole");
        Assert.That(sizes[1], Is.Zero, "a second batch would pass fetch.max.bytes (1024), though the request allowed 50 MiB");
    }

    private static FetchHandler Handler(ReplicaHarness harness, TimeProvider time) =>
        new(harness.Replicas, harness.Metadata, new FetchSessionCache(time), harness.Broker, time);

    private static FetchRequestData Request(int maxWaitMs, int minBytes, int partitions = 1)
    {
        var topic = new FetchRequestData.FetchTopic { Topic = ReplicaHarness.Topic };
        for (var p = 0; p < partitions; p++)
        {
            topic.Partitions.Add(new FetchRequestData.FetchPartition { Partition = p, FetchOffset = 0, PartitionMaxBytes = 1 << 20 });
        }
        return new FetchRequestData { ReplicaId = -1, MaxWaitMs = maxWaitMs, MinBytes = minBytes, MaxBytes = 50 << 20, SessionId = 0, SessionEpoch = -1, Topics = [topic] };
    }

    private static List<string> Values(ApiResponse? answer)
    {
        using var owned = answer;
        var response = (FetchResponseData)answer!.Body;
        var values = new List<string>();
        foreach (var partition in response.Responses.SelectMany(t => t.Partitions))
        {
            Assert.That(partition.ErrorCode, Is.Zero);
            foreach (var batch in new RecordBatchSet(partition.Records ?? ReadOnlyMemory<byte>.Empty))
            {
                using var records = batch.OpenRecords(1 << 20);
                foreach (var record in records)
                {
                    values.Add(System.Text.Encoding.UTF8.GetString(record.Value!.Value.Span));
                }
            }
        }
        return values;
    }

    /// <summary>A clock that runs a hook each time it is read, to land an event between two steps of the code under test.</summary>
    private sealed class HookedTime(FakeTime inner) : TimeProvider
    {
        public int Calls;

        public Action? OnNow { get; set; }

        public override DateTimeOffset GetUtcNow()
        {
            Calls++;
            OnNow?.Invoke();
            return inner.GetUtcNow();
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
