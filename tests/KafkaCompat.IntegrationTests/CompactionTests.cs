using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// cleanup.policy=compact with a real client: after the log cleaner has run, a consumer reading from
/// the beginning sees each key once, with its latest value (a tombstone as a null value, kept for
/// delete.retention.ms), at its original offset; and a broker killed while cleaning comes back intact
/// and finishes the clean.
/// </summary>
[TestFixture]
public sealed class CompactionTests
{
    private const string Topic = "compacted";

    [Test]
    public async Task AfterTheCleanerRan_AConsumerFromTheBeginningSeesOnlyTheLatestValuePerKey()
    {
        await using var broker = await InProcessBroker.StartAsync("log.cleaner.backoff.ms=50");
        try
        {
            await CreateCompactedTopicAsync(broker.BootstrapServers, segmentBytes: 2048);
            Produced produced = await ProduceRoundsAsync(broker.BootstrapServers, keys: 10, rounds: 5, valueBytes: 20, fillers: 100);

            await WaitForCleanerCheckpointAsync(broker.DataDirectory, produced.LastRoundOffset + 1, broker.Log);

            AssertOnlyLatestValues(broker.BootstrapServers, produced);
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    [Test]
    public async Task Tombstones_AreGoneAfterACleanPastTheirDeleteRetentionMs()
    {
        await using var broker = await InProcessBroker.StartAsync("log.cleaner.backoff.ms=50");
        try
        {
            // delete.retention.ms=0: the clean that first keeps a tombstone sets its horizon to that
            // moment, so the next clean of the partition removes it.
            await CreateCompactedTopicAsync(broker.BootstrapServers, segmentBytes: 2048, deleteRetentionMs: 0);
            Produced first = await ProduceRoundsAsync(broker.BootstrapServers, keys: 10, rounds: 3, valueBytes: 20, fillers: 100);
            await WaitForCleanerCheckpointAsync(broker.DataDirectory, first.LastRoundOffset + 1, broker.Log);
            long checkpointed = ReadCheckpoint(Path.Combine(broker.DataDirectory, "cleaner-offset-checkpoint"));

            Produced second = await ProduceRoundsAsync(broker.BootstrapServers, keys: 0, rounds: 0, valueBytes: 20, fillers: 100, fillerPrefix: "more");
            await WaitForCleanerCheckpointAsync(broker.DataDirectory, checkpointed + 1, broker.Log);

            var expected = first.Latest.Where(e => e.Value.Value is not null).Concat(second.Latest).ToDictionary(e => e.Key, e => e.Value);
            Assert.That(first.Latest.Count(e => e.Value.Value is null), Is.EqualTo(2), "key-0 and key-5 were deleted");
            AssertOnlyLatestValues(broker.BootstrapServers, new Produced(expected, first.LastRoundOffset, first.Count + second.Count));
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    [Test]
    public async Task ABrokerKilledWhileCleaning_RestartsWithItsDataIntact_AndFinishesTheClean()
    {
        // Cleaning is off at first, so the whole log is dirty when the cleaner starts after the restart
        // and the kill below lands while that one big clean runs.
        await using var broker = await ProcessBroker.StartAsync("log.cleaner.backoff.ms=50", "log.cleaner.enable=false");
        try
        {
            await CreateCompactedTopicAsync(broker.BootstrapServers, segmentBytes: 1024 * 1024);
            Produced produced = await ProduceRoundsAsync(broker.BootstrapServers, keys: 2_000, rounds: 10, valueBytes: 1_000, fillers: 1_200);

            await broker.RestartWithAsync("log.cleaner.backoff.ms=50", "log.cleaner.enable=true");
            string partitionDirectory = Path.Combine(broker.DataDirectory, $"{Topic}-0");
            bool killedMidClean = await KillWhenCleaningAsync(broker, partitionDirectory);
            TestContext.Out.WriteLine(killedMidClean ? "killed while a .cleaned segment was being written" : "the clean finished before the kill");

            await broker.RestartWithAsync("log.cleaner.backoff.ms=50", "log.cleaner.enable=true");
            await WaitForCleanerCheckpointAsync(broker.DataDirectory, produced.LastRoundOffset + 1, broker.Log);

            AssertOnlyLatestValues(broker.BootstrapServers, produced);
            Assert.That(Directory.EnumerateFiles(partitionDirectory).Where(f => f.EndsWith(".cleaned") || f.EndsWith(".swap") || f.EndsWith(".deleted")), Is.Empty);
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    [Test]
    public async Task AnIdempotentProducersLastBatch_EmptiedByTheCleaner_IsSkippedByConsumers()
    {
        await using var broker = await InProcessBroker.StartAsync("log.cleaner.backoff.ms=50");
        try
        {
            await CreateCompactedTopicAsync(broker.BootstrapServers, segmentBytes: 2048);
            using var idempotent = Producer(broker.BootstrapServers, c => c.EnableIdempotence = true);
            await idempotent.ProduceAsync(Topic, new Message<byte[]?, byte[]?> { Key = Bytes("shared"), Value = Bytes("from-idempotent") });
            // Another producer supersedes the idempotent producer's only record, then rolls the segment.
            Produced produced = await ProduceRoundsAsync(broker.BootstrapServers, keys: 1, rounds: 1, valueBytes: 50, fillers: 100, firstKey: "shared");

            await WaitForCleanerCheckpointAsync(broker.DataDirectory, produced.LastRoundOffset + 1, broker.Log);

            Assert.That(EmptyBatches(Path.Combine(broker.DataDirectory, $"{Topic}-0")), Is.EqualTo(new[] { (0L, true) }), "the idempotent producer's batch stays, emptied");
            AssertOnlyLatestValues(broker.BootstrapServers, produced);
            // Kafka keeps the emptied batch so the producer's sequence still follows on after the clean.
            var next = await idempotent.ProduceAsync(Topic, new Message<byte[]?, byte[]?> { Key = Bytes("after"), Value = Bytes("clean") });
            Assert.That(next.Status, Is.EqualTo(PersistenceStatus.Persisted));
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    [Test]
    public async Task ConsumerOffsets_IsCompacted_AndTheGroupsCommittedOffsetsSurviveARestart()
    {
        await using var broker = await InProcessBroker.StartAsync(
            "log.cleaner.backoff.ms=50", "offsets.topic.num.partitions=1", "offsets.topic.segment.bytes=4096");
        try
        {
            const string data = "data";
            await CreateTopicAsync(broker.BootstrapServers, data, 1);
            var partition = new TopicPartition(data, 0);
            const int Commits = 300;
            using (var consumer = Consumer(broker.BootstrapServers, c => c.GroupId = "compacted-offsets"))
            {
                consumer.Assign(partition);
                for (int i = 1; i <= Commits; i++)
                {
                    consumer.Commit([new TopicPartitionOffset(partition, i)]);
                }

                consumer.Close();
            }

            // Most commits are superseded: the cleaner gets past them.
            await WaitForCleanerCheckpointAsync(broker.DataDirectory, Commits / 2, broker.Log, "__consumer_offsets");
            List<ConsumeResult<byte[]?, byte[]?>> kept = ReadFromBeginning(broker.BootstrapServers, [new TopicPartition("__consumer_offsets", 0)], Commits, TimeSpan.FromSeconds(3));
            Assert.That(kept, Has.Count.LessThan(Commits), "superseded offset commits were removed");

            await broker.RestartAsync();

            using var restarted = Consumer(broker.BootstrapServers, c => c.GroupId = "compacted-offsets");
            List<TopicPartitionOffset> committed = restarted.Committed([partition], TimeSpan.FromSeconds(30));
            Assert.That(committed.Single().Offset.Value, Is.EqualTo(Commits));
        }
        catch
        {
            TestContext.Out.WriteLine(broker.Log.Tail());
            throw;
        }
    }

    private static async Task CreateCompactedTopicAsync(string bootstrapServers, int segmentBytes, long deleteRetentionMs = 86_400_000)
    {
        using var admin = Admin(bootstrapServers);
        await admin.CreateTopicsAsync(
        [
            new TopicSpecification
            {
                Name = Topic,
                NumPartitions = 1,
                ReplicationFactor = 1,
                Configs = new Dictionary<string, string>
                {
                    ["cleanup.policy"] = "compact",
                    ["segment.bytes"] = segmentBytes.ToString(CultureInfo.InvariantCulture),
                    ["min.cleanable.dirty.ratio"] = "0.01",
                    ["delete.retention.ms"] = deleteRetentionMs.ToString(CultureInfo.InvariantCulture),
                },
            },
        ]);
    }

    /// <summary>
    /// Every key gets one value per round (the last round deletes every fifth key with a tombstone),
    /// then records with unique keys follow, enough to roll the segment holding the last round so the
    /// cleaner may clean all of it (it never cleans the active segment): callers ask for fillers adding
    /// up to more than segment.bytes.
    /// </summary>
    private static async Task<Produced> ProduceRoundsAsync(string bootstrapServers, int keys, int rounds, int valueBytes, int fillers, string? firstKey = null, string fillerPrefix = "filler")
    {
        // Small batches: a batch must fit in segment.bytes.
        using var producer = Producer(bootstrapServers, c => c.BatchSize = 1024);
        var latest = new Dictionary<string, (long Offset, string? Value)>();
        var pending = new List<Task<DeliveryResult<byte[]?, byte[]?>>>();
        string padding = new('x', valueBytes);
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < keys; k++)
            {
                string key = k == 0 && firstKey is not null ? firstKey : $"key-{k}";
                string? value = round == rounds - 1 && k % 5 == 0 ? null : $"{key}-round-{round}-{padding}";
                pending.Add(producer.ProduceAsync(Topic, new Message<byte[]?, byte[]?> { Key = Bytes(key), Value = value is null ? null : Bytes(value) }));
            }
        }

        long lastRoundOffset = -1;
        foreach (DeliveryResult<byte[]?, byte[]?> delivered in await Task.WhenAll(pending))
        {
            string key = Text(delivered.Message.Key)!;
            latest[key] = (delivered.Offset.Value, Text(delivered.Message.Value));
            lastRoundOffset = Math.Max(lastRoundOffset, delivered.Offset.Value);
        }

        pending.Clear();
        for (int f = 0; f < fillers; f++)
        {
            string key = $"{fillerPrefix}-{f}";
            pending.Add(producer.ProduceAsync(Topic, new Message<byte[]?, byte[]?> { Key = Bytes(key), Value = Bytes($"{key}-{padding}") }));
        }

        foreach (DeliveryResult<byte[]?, byte[]?> delivered in await Task.WhenAll(pending))
        {
            latest[Text(delivered.Message.Key)!] = (delivered.Offset.Value, Text(delivered.Message.Value));
        }

        return new Produced(latest, lastRoundOffset, keys * rounds + fillers);
    }

    /// <summary>Waits until the cleaner's checkpoint for the partition reaches <paramref name="offset"/>: everything below it was cleaned.</summary>
    private static async Task WaitForCleanerCheckpointAsync(string dataDirectory, long offset, BrokerLog log, string topic = Topic)
    {
        string path = Path.Combine(dataDirectory, "cleaner-offset-checkpoint");
        var clock = Stopwatch.StartNew();
        long checkpointed = -1;
        while (clock.Elapsed < DefaultTimeout)
        {
            checkpointed = ReadCheckpoint(path, topic);
            if (checkpointed >= offset)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"the cleaner checkpoint of {topic}-0 stayed at {checkpointed}, below {offset}:{Environment.NewLine}{log.Tail()}");
    }

    private static long ReadCheckpoint(string path, string topic = Topic)
    {
        try
        {
            foreach (string line in File.ReadAllLines(path).Skip(2))
            {
                string[] fields = line.Split(' ');
                if (fields.Length == 3 && fields[0] == topic && fields[1] == "0")
                {
                    return long.Parse(fields[2], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // Not written yet, or being replaced at this moment.
        }

        return -1;
    }

    /// <summary>SIGKILLs the broker as soon as a <c>.cleaned</c> file shows up in the partition directory, or once the clean has finished.</summary>
    private static async Task<bool> KillWhenCleaningAsync(ProcessBroker broker, string partitionDirectory)
    {
        string checkpoint = Path.Combine(broker.DataDirectory, "cleaner-offset-checkpoint");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < DefaultTimeout)
        {
            if (Directory.EnumerateFiles(partitionDirectory, "*.cleaned").Any())
            {
                broker.Kill();
                return true;
            }

            if (ReadCheckpoint(checkpoint) >= 0)
            {
                broker.Kill();
                return false;
            }

            await Task.Delay(1);
        }

        Assert.Fail("the cleaner neither started nor finished a clean");
        return false;
    }

    /// <summary>(base offset, has a producer id) of every batch with no records in the partition's segment files.</summary>
    private static List<(long BaseOffset, bool Idempotent)> EmptyBatches(string partitionDirectory)
    {
        var empty = new List<(long, bool)>();
        foreach (string path in Directory.EnumerateFiles(partitionDirectory, "*.log").Order(StringComparer.Ordinal))
        {
            foreach (KafkaCompat.Records.RecordBatch batch in new KafkaCompat.Records.RecordBatchSet(File.ReadAllBytes(path)))
            {
                if (batch.RecordCount == 0)
                {
                    empty.Add((batch.BaseOffset, batch.ProducerId >= 0));
                }
            }
        }

        return empty;
    }

    private static void AssertOnlyLatestValues(string bootstrapServers, Produced produced)
    {
        List<ConsumeResult<byte[]?, byte[]?>> records = ReadFromBeginning(bootstrapServers, [new TopicPartition(Topic, 0)], produced.Latest.Count);

        Assert.That(records, Has.Count.EqualTo(produced.Latest.Count), $"one record per key of {produced.Latest.Count} (of {produced.Count} produced)");
        Assert.That(records.Select(r => r.Offset.Value), Is.Ordered.Ascending.And.Unique, "offsets increase, with gaps where records were removed");
        var seen = records.ToDictionary(r => Text(r.Message.Key)!, r => (r.Offset.Value, Text(r.Message.Value)));
        Assert.That(seen, Is.EquivalentTo(produced.Latest), "each key's latest value (tombstones as null values) at its original offset");
    }

    private sealed record Produced(Dictionary<string, (long Offset, string? Value)> Latest, long LastRoundOffset, int Count);
}
