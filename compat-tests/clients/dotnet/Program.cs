// Confluent.Kafka 2.15.1 (.NET) on librdkafka 2.15.1: IProducer.ProduceAsync, IConsumer with
// Assign() from Offset.Beginning (scenarios 3-5) or Subscribe() in a group with Commit() (scenario 7,
// classic range or cooperative-sticky assignment) and IAdminClient.
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ConfluentCompat;

// The mirror has no librdkafka.redist: map the package's "librdkafka" imports to the 2.15.1 build.
var librdkafka = Environment.GetEnvironmentVariable("COMPAT_LIBRDKAFKA")!;
NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
    name.Contains("librdkafka", StringComparison.Ordinal) ? NativeLibrary.Load(librdkafka) : IntPtr.Zero);

var version = $"Confluent.Kafka {typeof(Library).Assembly.GetName().Version!.ToString(3)} / librdkafka {Library.VersionString}";
await Harness.Run(version, new Dictionary<string, Func<Context, TestCase, Task<string>>>
{
    ["metadata"] = Drivers.Metadata,
    ["createTopic"] = Drivers.CreateTopic,
    ["produceConsume"] = Drivers.ProduceConsume,
    ["largeRecord"] = Drivers.LargeRecord,
    ["unknownTopic"] = Drivers.UnknownTopic,
    ["messageTooLarge"] = Drivers.MessageTooLarge,
    ["deleteTopic"] = Drivers.DeleteTopic,
    ["consumerGroup"] = Drivers.ConsumerGroup,
    ["transactions"] = Drivers.Transactions,
    ["exactlyOnce"] = Drivers.ExactlyOnce,
});

internal static class Drivers
{
    private static readonly Dictionary<string, CompressionType> _codecs = new()
    {
        ["gzip"] = CompressionType.Gzip,
        ["snappy"] = CompressionType.Snappy,
        ["lz4"] = CompressionType.Lz4,
        ["zstd"] = CompressionType.Zstd,
    };

    private static IAdminClient Admin(Context ctx) => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = ctx.Bootstrap }).Build();

    private static async Task Create(Context ctx, string topic, int partitions, Dictionary<string, string>? configs = null)
    {
        using var admin = Admin(ctx);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs }],
            new CreateTopicsOptions { OperationTimeout = TimeSpan.FromSeconds(10), RequestTimeout = TimeSpan.FromSeconds(15) });
    }

    private static List<string> TopicNames(Context ctx)
    {
        using var admin = Admin(ctx);
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic).ToList();
    }

    /// <summary>Produces in order and waits for every delivery; returns the first failure.</summary>
    private static async Task<ProduceException<byte[]?, byte[]?>?> Produce(ProducerConfig config, string topic, IEnumerable<TestRecord> records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        return await Produce(producer, topic, records);
    }

    private static async Task<ProduceException<byte[]?, byte[]?>?> Produce(IProducer<byte[]?, byte[]?> producer, string topic, IEnumerable<TestRecord> records)
    {
        var deliveries = records.Select(r =>
        {
            var headers = new Headers();
            foreach (var (name, value) in r.Headers)
            {
                headers.Add(name, value);
            }
            return producer.ProduceAsync(topic, new Message<byte[]?, byte[]?>
            {
                Key = r.Key,
                Value = r.Value,
                Headers = headers,
                Timestamp = r.Timestamp < 0 ? Timestamp.Default : new Timestamp(r.Timestamp, TimestampType.CreateTime),
            });
        }).ToList();
        try
        {
            await Task.WhenAll(deliveries);
            return null;
        }
        catch (ProduceException<byte[]?, byte[]?> e)
        {
            return e;
        }
    }

    // COMPAT_RDKAFKA_DEBUG (e.g. "protocol,msg") turns on librdkafka's debug log, on stderr.
    private static ProducerConfig ProducerConfig(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        LingerMs = 5,
        Acks = Acks.All,
        Debug = Environment.GetEnvironmentVariable("COMPAT_RDKAFKA_DEBUG") is { Length: > 0 } debug ? debug : null,
    };

    /// <summary>Every partition from the beginning with Assign(), until each reports end of partition (30 s at most).</summary>
    private static List<TestRecord> ConsumeAll(Context ctx, string topic, int fetchMaxBytes = 52428800, IsolationLevel isolation = IsolationLevel.ReadCommitted)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = ctx.Bootstrap,
            GroupId = $"unused.{topic}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            FetchMaxBytes = fetchMaxBytes,
            IsolationLevel = isolation,
        };
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        using var admin = Admin(ctx);
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions.Select(p => p.PartitionId).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var got = new List<TestRecord>();
        var atEnd = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (atEnd.Count < partitions.Count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }
            var m = result.Message;
            Harness.Expect("timestamp type", TimestampType.CreateTime, m.Timestamp.Type);
            got.Add(new TestRecord(result.Partition.Value, m.Key, m.Value,
                (m.Headers ?? []).Select(h => (h.Key, (byte[]?)h.GetValueBytes())).ToList(), m.Timestamp.UnixTimestampMs));
        }
        consumer.Close();
        return got;
    }

    public static async Task<string> Metadata(Context ctx, TestCase testCase)
    {
        using var admin = Admin(ctx);
        var cluster = await admin.DescribeClusterAsync();
        Harness.Expect("brokers", [$"1@{ctx.Bootstrap}"], cluster.Nodes.Select(n => $"{n.Id}@{n.Host}:{n.Port}").ToList());
        var topics = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics;
        return $"1 broker at {ctx.Bootstrap}, controller {cluster.Controller?.Id}, cluster {cluster.ClusterId}, {topics.Count} topics listed";
    }

    public static async Task<string> CreateTopic(Context ctx, TestCase testCase)
    {
        var topic = ctx.Topic(testCase);
        await Create(ctx, topic, testCase.Int("partitions"));
        using var admin = Admin(ctx);
        var described = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]));
        Harness.Expect("partitions", Enumerable.Range(0, testCase.Int("partitions")).ToList(),
            described.TopicDescriptions[0].Partitions.Select(p => p.Partition).Order().ToList());
        return $"created with {testCase.Int("partitions")} partitions, described by DescribeTopicPartitions (topic id {described.TopicDescriptions[0].TopicId})";
    }

    public static async Task<string> ProduceConsume(Context ctx, TestCase testCase)
    {
        var topic = ctx.Topic(testCase);
        await Create(ctx, topic, testCase.Int("partitions"));
        var sent = Harness.Recipe(testCase, ctx.Client);
        var config = ProducerConfig(ctx.Bootstrap);
        config.CompressionType = testCase.Text("codec") is { } codec ? _codecs[codec] : CompressionType.None;
        config.EnableIdempotence = testCase.Flag("idempotent");
        if (await Produce(config, topic, sent) is { } error)
        {
            throw new MismatchException($"delivery failed: {error.Error.Code} {error.Error.Reason}");
        }
        return Harness.CheckRecords(sent, ConsumeAll(ctx, topic));
    }

    public static async Task<string> LargeRecord(Context ctx, TestCase testCase)
    {
        var topic = ctx.Topic(testCase);
        await Create(ctx, topic, 1);
        var value = Enumerable.Range(0, testCase.Int("bytes")).Select(i => (byte)(i % 251)).ToArray();
        var config = ProducerConfig(ctx.Bootstrap);
        config.MessageMaxBytes = 3_000_000;
        if (await Produce(config, topic, [new TestRecord(-1, "big"u8.ToArray(), value, [], -1)]) is { } error)
        {
            throw new MismatchException($"delivery failed: {error.Error.Code} {error.Error.Reason}");
        }
        var got = ConsumeAll(ctx, topic, 3_000_000);
        Harness.Expect("records read back", 1, got.Count);
        Harness.Expect("value length", value.Length, got[0].Value?.Length ?? -1);
        Harness.Expect("value equal", true, value.AsSpan().SequenceEqual(got[0].Value));
        return $"{value.Length} bytes read back exactly";
    }

    public static async Task<string> UnknownTopic(Context ctx, TestCase testCase)
    {
        var config = ProducerConfig(ctx.StrictBootstrap);
        config.TopicMetadataPropagationMaxMs = 1000;
        config.MessageTimeoutMs = 10000;
        var error = await Produce(config, ctx.Topic(testCase), [new TestRecord(-1, "k"u8.ToArray(), "v"u8.ToArray(), [], -1)]);
        return Harness.ExpectError(testCase, error is null ? null : new KafkaException(error.Error), "Unknown topic");
    }

    public static async Task<string> MessageTooLarge(Context ctx, TestCase testCase)
    {
        var topic = ctx.Topic(testCase);
        await Create(ctx, topic, 1, new() { ["max.message.bytes"] = $"{testCase.Int("topicMaxMessageBytes")}" });
        var error = await Produce(ProducerConfig(ctx.Bootstrap), topic,
            [new TestRecord(-1, "k"u8.ToArray(), new byte[testCase.Int("recordBytes")], [], -1)]);
        return Harness.ExpectError(testCase, error is null ? null : new KafkaException(error.Error), "Message size too large");
    }

    /// <summary>One consumer of the group: Subscribe, Consume until <paramref name="limit"/> records (the last
    /// session: until 1 s past the expected count, to catch repeats; 30 s at most), Commit() each record
    /// consumed when <paramref name="commit"/>, Close().</summary>
    private static List<TestRecord> GroupSession(Context ctx, TestCase testCase, string topic, string group, int limit, int expected, bool commit)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = ctx.Bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        if (testCase.Text("groupProtocol") == "consumer")
        {
            // KIP-848: the broker assigns and owns the session timeout; librdkafka refuses the classic
            // protocol's session.timeout.ms and partition.assignment.strategy with it.
            config.GroupProtocol = GroupProtocol.Consumer;
        }
        else
        {
            config.SessionTimeoutMs = 10000;
            config.PartitionAssignmentStrategy = testCase.Text("assignmentStrategy") == "cooperative-sticky"
                ? PartitionAssignmentStrategy.CooperativeSticky : PartitionAssignmentStrategy.Range;
        }
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(topic);
        var got = new List<TestRecord>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        DateTime? grace = null;
        while (got.Count < limit && DateTime.UtcNow < (grace ?? deadline))
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }
            var m = result.Message;
            got.Add(new TestRecord(result.Partition.Value, m.Key, m.Value,
                (m.Headers ?? []).Select(h => (h.Key, (byte[]?)h.GetValueBytes())).ToList(), m.Timestamp.UnixTimestampMs));
            if (commit)
            {
                consumer.Commit(result);
            }
            if (!commit && got.Count >= expected && grace is null)
            {
                grace = DateTime.UtcNow.AddSeconds(1);
            }
        }
        consumer.Close();
        return got;
    }

    private static string GroupDescription(TestCase testCase) => testCase.Text("groupProtocol") == "consumer"
        ? "group.protocol=consumer: the broker's assignment"
        : $"{testCase.Text("assignmentStrategy") ?? "range"} assignment";

    public static async Task<string> ConsumerGroup(Context ctx, TestCase testCase)
    {
        var topic = ctx.Topic(testCase);
        var group = $"group.{topic}";
        await Create(ctx, topic, testCase.Int("partitions"));
        var sent = Harness.Recipe(testCase, ctx.Client);
        if (await Produce(ProducerConfig(ctx.Bootstrap), topic, sent) is { } error)
        {
            throw new MismatchException($"delivery failed: {error.Error.Code} {error.Error.Reason}");
        }
        var k = testCase.Int("commitFirst");
        var first = await Task.Run(() => GroupSession(ctx, testCase, topic, group, k, 0, commit: true));
        var second = await Task.Run(() => GroupSession(ctx, testCase, topic, group, sent.Count, sent.Count - k, commit: false));
        var check = Harness.CheckGroup(testCase, sent, first, second);
        if (testCase.Text("groupProtocol") == "consumer")
        {
            // The group the broker kept must be a KIP-848 one: ListGroups v5 filtered by type.
            using var admin = Admin(ctx);
            var listed = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { MatchTypes = [ConsumerGroupType.Consumer] });
            if (!listed.Valid.Any(g => g.GroupId == group && g.Type == ConsumerGroupType.Consumer))
            {
                throw new MismatchException($"{group} is not listed as a consumer-type group: {string.Join(", ", listed.Valid.Select(g => $"{g.GroupId}={g.Type}"))}");
            }
            check += "; ListGroups shows it as a consumer-type group";
        }
        return check + $" ({GroupDescription(testCase)})";
    }

    public static async Task<string> DeleteTopic(Context ctx, TestCase testCase)
    {
        var topic = ctx.Topic(testCase);
        await Create(ctx, topic, testCase.Int("partitions"));
        using (var admin = Admin(ctx))
        {
            await admin.DeleteTopicsAsync([topic], new DeleteTopicsOptions { OperationTimeout = TimeSpan.FromSeconds(10) });
        }
        await Harness.WaitUntil($"{topic} gone from the topic list", () => !TopicNames(ctx).Contains(topic));
        return "deleted and gone from the topic list";
    }

    /// <summary>Scenario 10: three transactions from one transactional producer (commit, abort, commit), read back at both isolation levels.</summary>
    public static async Task<string> Transactions(Context ctx, TestCase testCase)
    {
        var topic = ctx.Topic(testCase);
        await Create(ctx, topic, testCase.Int("partitions"));
        var sent = Harness.Recipe(testCase, ctx.Client);
        var (first, aborted, last) = Harness.TransactionThirds(sent);
        var config = ProducerConfig(ctx.Bootstrap);
        config.TransactionalId = $"tx.{topic}";
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(20));
            foreach (var (records, commit) in new[] { (first, true), (aborted, false), (last, true) })
            {
                producer.BeginTransaction();
                if (await Produce(producer, topic, records) is { } error)
                {
                    throw new MismatchException($"delivery failed: {error.Error.Code} {error.Error.Reason}");
                }
                if (commit)
                {
                    producer.CommitTransaction(TimeSpan.FromSeconds(20));
                }
                else
                {
                    producer.AbortTransaction(TimeSpan.FromSeconds(20));
                }
            }
        }
        var committed = Harness.CheckRecords([.. first, .. last], ConsumeAll(ctx, topic, isolation: IsolationLevel.ReadCommitted));
        var all = Harness.CheckRecords(sent, ConsumeAll(ctx, topic, isolation: IsolationLevel.ReadUncommitted));
        return $"read_committed: {committed}; read_uncommitted: {all}";
    }

    /// <summary>
    /// Scenario 11, one session: consume the input in the group (read_committed) and write each
    /// batch's transform with its offsets in one transaction; the last batch is aborted when
    /// <paramref name="abortLast"/>. Stops after <paramref name="limit"/> records, then (when not
    /// aborting) polls 1 s more to catch records it should not get. Returns the records committed and
    /// the records that came after the limit.
    /// </summary>
    private static (int Committed, int Extra) TransformSession(Context ctx, TestCase testCase, string input, string output, int limit, bool abortLast)
    {
        var batchSize = testCase.Int("batch");
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = ctx.Bootstrap,
            GroupId = $"group.{input}",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 10000,
        }).Build();
        var config = ProducerConfig(ctx.Bootstrap);
        config.TransactionalId = $"tx.{input}";
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(20));
        consumer.Subscribe(input);
        var batch = new List<ConsumeResult<byte[]?, byte[]?>>();
        var (committed, extra) = (0, 0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (committed < limit && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                batch.Add(result);
            }
            var consumed = committed + batch.Count;
            if (batch.Count == 0 || (batch.Count < batchSize && consumed < limit))
            {
                continue;
            }
            producer.BeginTransaction();
            foreach (var r in batch)
            {
                producer.Produce(new TopicPartition(output, r.Partition), new Message<byte[]?, byte[]?>
                {
                    Key = r.Message.Key,
                    Value = System.Text.Encoding.UTF8.GetBytes("out-" + (r.Message.Value is null ? "" : System.Text.Encoding.UTF8.GetString(r.Message.Value))),
                    Headers = r.Message.Headers,
                    Timestamp = r.Message.Timestamp,
                });
            }
            var offsets = batch.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1));
            producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(20));
            if (abortLast && consumed == limit)
            {
                producer.AbortTransaction(TimeSpan.FromSeconds(20));
                break;
            }
            producer.CommitTransaction(TimeSpan.FromSeconds(20));
            committed = consumed;
            batch.Clear();
        }
        var grace = DateTime.UtcNow.AddSeconds(1);
        while (!abortLast && DateTime.UtcNow < grace)
        {
            extra += consumer.Consume(TimeSpan.FromMilliseconds(100)) is null ? 0 : 1;
        }
        consumer.Close();
        return (committed, extra);
    }

    public static async Task<string> ExactlyOnce(Context ctx, TestCase testCase)
    {
        var input = ctx.Topic(testCase);
        var output = input + ".out";
        var partitions = testCase.Int("partitions");
        await Create(ctx, input, partitions);
        await Create(ctx, output, partitions);
        var sent = Harness.Recipe(testCase, ctx.Client);
        if (await Produce(ProducerConfig(ctx.Bootstrap), input, sent) is { } error)
        {
            throw new MismatchException($"delivery failed: {error.Error.Code} {error.Error.Reason}");
        }
        var batch = testCase.Int("batch");
        var first = await Task.Run(() => TransformSession(ctx, testCase, input, output, 3 * batch, abortLast: true));
        Harness.Expect("records the first session committed", 2 * batch, first.Committed);
        var second = await Task.Run(() => TransformSession(ctx, testCase, input, output, sent.Count - 2 * batch, abortLast: false));
        Harness.Expect("records the second session committed, and any it got past them", (sent.Count - 2 * batch, 0), second);
        var check = Harness.CheckRecords(Harness.Transformed(sent), ConsumeAll(ctx, output));

        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = ctx.Bootstrap, GroupId = $"group.{input}" }).Build();
        var tps = Enumerable.Range(0, partitions).Select(p => new TopicPartition(input, p)).ToList();
        var ends = tps.Select(tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value).ToList();
        Harness.Expect("the group's committed offsets", ends, consumer.Committed(tps, TimeSpan.FromSeconds(10)).Select(o => o.Offset.Value).ToList());
        return $"output: {check}; offsets committed at the input's end {Harness.Show(ends)}";
    }
}
