using System.Globalization;

namespace KafkaCompat.PerfTest;

/// <summary>Command-line options, named after kafka-producer-perf-test's where they overlap.</summary>
public sealed class PerfOptions
{
    public string Mode { get; private init; } = "produce";
    public string BootstrapServers { get; private init; } = "localhost:9092";
    public string Topic { get; private init; } = "perf";
    public long Records { get; private init; } = 1_000_000;
    public int RecordSize { get; private init; } = 1024;
    /// <summary>Records per second to aim for; -1 for as fast as possible.</summary>
    public long Throughput { get; private init; } = -1;
    public string Acks { get; private init; } = "1";
    public double LingerMs { get; private init; } = 5;
    public int BatchSize { get; private init; } = 1_000_000;
    public string Compression { get; private init; } = "none";
    public string Librdkafka { get; private init; } = ".deps/librdkafka/librdkafka.so.1";
    /// <summary>Produce in transactions of <see cref="TransactionRecords"/> records under this id (kafka-producer-perf-test's option); null: no transactions.</summary>
    public string? TransactionalId { get; private init; }
    public long TransactionRecords { get; private init; } = 100;
    /// <summary>The consumer's isolation.level (librdkafka's default is read_committed).</summary>
    public string IsolationLevel { get; private init; } = "read_committed";
    /// <summary>rebalance: the group's protocol, classic or consumer (KIP-848).</summary>
    public string GroupProtocol { get; private init; } = "consumer";
    /// <summary>rebalance, classic protocol: librdkafka's partition.assignment.strategy.</summary>
    public string AssignmentStrategy { get; private init; } = "cooperative-sticky";
    public int Members { get; private init; } = 3;
    /// <summary>The topic's partitions when --partitions is given: produce creates the topic with that many.</summary>
    public int? TopicPartitions { get; private init; }
    public int Partitions => TopicPartitions ?? 100;
    public int Rounds { get; private init; } = 5;
    /// <summary>share: the members of the share group.</summary>
    public int Consumers { get; private init; } = 1;
    /// <summary>share: librdkafka's max.poll.records, the most records one poll hands out.</summary>
    public int MaxPollRecords { get; private init; } = 500;

    public static PerfOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("produce" or "consume" or "rebalance" or "share" or "metadata-load"))
        {
            throw new ArgumentException(Usage);
        }
        var values = new Dictionary<string, string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value at '{args[i]}'\n{Usage}");
            }
            values[args[i][2..]] = args[++i];
        }
        string Get(string name, string fallback) => values.Remove(name, out var v) ? v : fallback;
        var options = new PerfOptions
        {
            Mode = args[0],
            BootstrapServers = Get("bootstrap-server", "localhost:9092"),
            Topic = Get("topic", "perf"),
            Records = long.Parse(Get("num-records", "1000000"), CultureInfo.InvariantCulture),
            RecordSize = int.Parse(Get("record-size", "1024"), CultureInfo.InvariantCulture),
            Throughput = long.Parse(Get("throughput", "-1"), CultureInfo.InvariantCulture),
            Acks = Get("acks", "1"),
            LingerMs = double.Parse(Get("linger-ms", "5"), CultureInfo.InvariantCulture),
            BatchSize = int.Parse(Get("batch-size", "1000000"), CultureInfo.InvariantCulture),
            Compression = Get("compression", "none"),
            Librdkafka = Get("librdkafka", ".deps/librdkafka/librdkafka.so.1"),
            TransactionalId = values.Remove("transactional-id", out var transactionalId) ? transactionalId : null,
            TransactionRecords = long.Parse(Get("transaction-records", "100"), CultureInfo.InvariantCulture),
            IsolationLevel = Get("isolation-level", "read_committed"),
            GroupProtocol = Get("group-protocol", "consumer"),
            AssignmentStrategy = Get("assignment-strategy", "cooperative-sticky"),
            Members = int.Parse(Get("members", "3"), CultureInfo.InvariantCulture),
            TopicPartitions = values.Remove("partitions", out var partitions) ? int.Parse(partitions, CultureInfo.InvariantCulture) : null,
            Rounds = int.Parse(Get("rounds", "5"), CultureInfo.InvariantCulture),
            Consumers = int.Parse(Get("consumers", "1"), CultureInfo.InvariantCulture),
            MaxPollRecords = int.Parse(Get("max-poll-records", "500"), CultureInfo.InvariantCulture),
        };
        return values.Count == 0 ? options : throw new ArgumentException($"unknown option --{values.Keys.First()}\n{Usage}");
    }

    public const string Usage = """
        usage: kafkacompat-perf produce|consume|rebalance|share|metadata-load [--bootstrap-server host:port] [--topic perf]
               [--num-records 1000000] [--record-size 1024] [--throughput -1 (records/s)]
               [--acks 1] [--linger-ms 5] [--batch-size 1000000] [--compression none|gzip|snappy|lz4|zstd]
               [--librdkafka .deps/librdkafka/librdkafka.so.1]
               produce: [--partitions N (create the topic so)] [--transactional-id ID [--transaction-records 100]]   consume: [--isolation-level read_committed|read_uncommitted]
               rebalance: [--group-protocol consumer|classic] [--assignment-strategy cooperative-sticky|range]
                          [--members 3] [--partitions 100] [--rounds 5]   (a member joins, then one leaves, per round)
               share: [--consumers 1] [--partitions 100 (the topic's)] [--max-poll-records 500]   (--num-records: what the topic holds)
               metadata-load: [--num-records 100000 (topic config changes)]   (on 100 topics named after --topic)
        """;
}
