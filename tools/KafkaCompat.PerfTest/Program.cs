using System.Diagnostics;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using KafkaCompat.IntegrationTests.Share;
using KafkaCompat.PerfTest;

PerfOptions options;
try
{
    options = PerfOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// The NuGet mirror has no librdkafka.redist: load the 2.15.1 build that test.sh puts in .deps/.
var librdkafka = Path.GetFullPath(options.Librdkafka);
NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
    name.Contains("librdkafka", StringComparison.Ordinal) ? NativeLibrary.Load(librdkafka) : IntPtr.Zero);
LibrdkafkaShareConsumer.LibraryPath = librdkafka;
Console.WriteLine(options.Mode == "rebalance"
    ? $"librdkafka {Library.VersionString}; rebalance of a group on topic {options.Topic} at {options.BootstrapServers}"
    : options.Mode == "share"
    ? $"librdkafka {Library.VersionString}; share group of {options.Consumers} consumer(s) on topic {options.Topic} ({options.Records} records of {options.RecordSize} bytes) at {options.BootstrapServers}"
    : $"librdkafka {Library.VersionString}; {options.Mode} {options.Records} records of {options.RecordSize} bytes, topic {options.Topic} at {options.BootstrapServers}");

return options.Mode switch
{
    "produce" => Produce(options),
    "rebalance" => RebalanceBench.Run(options),
    "share" => ShareBench.Run(options),
    "metadata-load" => MetadataLoad.Run(options),
    _ => Consume(options),
};

static int Produce(PerfOptions o)
{
    if (o.TopicPartitions is not null)
    {
        TopicSetup.EnsureTopic(o);
    }
    var config = new ProducerConfig
    {
        BootstrapServers = o.BootstrapServers,
        Acks = o.Acks switch { "all" or "-1" => Acks.All, "0" => Acks.None, _ => Acks.Leader },
        LingerMs = o.LingerMs,
        BatchSize = o.BatchSize,
        CompressionType = Enum.Parse<CompressionType>(o.Compression, ignoreCase: true),
        QueueBufferingMaxMessages = 1_000_000,
        QueueBufferingMaxKbytes = 2_097_151,
        MessageMaxBytes = Math.Max(1_000_000, o.BatchSize + 1000),
        TransactionalId = o.TransactionalId,
    };
    var transactional = o.TransactionalId is not null;
    var payload = new byte[o.RecordSize];
    Random.Shared.NextBytes(payload);
    var latencies = new LatencyHistogram(o.Records);
    long errors = 0;
    using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
    if (transactional)
    {
        producer.InitTransactions(TimeSpan.FromSeconds(30));
    }
    var clock = Stopwatch.StartNew();
    var message = new Message<Null, byte[]> { Value = payload };
    for (long i = 0; i < o.Records; i++)
    {
        if (transactional && i % o.TransactionRecords == 0)
        {
            // Committing flushes the transaction's records first, as the Java producer's commit does.
            if (i > 0)
            {
                producer.CommitTransaction(TimeSpan.FromMinutes(1));
            }
            producer.BeginTransaction();
        }
        // Pace like kafka-producer-perf-test's --throughput: sleep whenever ahead of the schedule
        // (spinning would take a core from the broker on a small machine).
        if (o.Throughput > 0)
        {
            var due = TimeSpan.FromSeconds((double)i / o.Throughput);
            while (clock.Elapsed < due)
            {
                Thread.Sleep(1);
            }
        }
        var sent = clock.ElapsedTicks;
        while (true)
        {
            try
            {
                producer.Produce(o.Topic, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    latencies.Record((clock.ElapsedTicks - sent) * 1_000_000 / Stopwatch.Frequency);
                });
                break;
            }
            catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(1));
            }
        }
    }
    if (transactional)
    {
        producer.CommitTransaction(TimeSpan.FromMinutes(5));
    }
    else
    {
        producer.Flush(TimeSpan.FromMinutes(5));
    }
    var seconds = clock.Elapsed.TotalSeconds;
    var mb = (double)o.Records * o.RecordSize / (1024 * 1024);
    var transactions = transactional ? $", {(o.Records + o.TransactionRecords - 1) / o.TransactionRecords} transactions of {o.TransactionRecords}" : "";
    Console.WriteLine($"{o.Records} records sent{transactions}, {o.Records / seconds:F0} records/sec ({mb / seconds:F2} MB/sec), {latencies.Summary()}; {errors} errors");
    return errors == 0 ? 0 : 1;
}

static int Consume(PerfOptions o)
{
    var config = new ConsumerConfig
    {
        BootstrapServers = o.BootstrapServers,
        GroupId = "kafkacompat-perf",
        EnableAutoCommit = false,
        FetchMaxBytes = 52_428_800,
        MaxPartitionFetchBytes = 10_485_760,
        QueuedMaxMessagesKbytes = 1_000_000,
        IsolationLevel = o.IsolationLevel == "read_uncommitted" ? IsolationLevel.ReadUncommitted : IsolationLevel.ReadCommitted,
    };
    // Values are measured, not copied into .NET arrays: the tool should not be what limits the rate.
    using var consumer = new ConsumerBuilder<Ignore, int>(config).SetValueDeserializer(new ValueLength()).Build();
    using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
    var partitions = admin.GetMetadata(o.Topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
        .Select(p => new TopicPartitionOffset(o.Topic, p.PartitionId, Offset.Beginning)).ToList();
    consumer.Assign(partitions);
    long records = 0, bytes = 0;
    var clock = Stopwatch.StartNew();
    var idleSince = clock.Elapsed;
    var firstRecordAt = TimeSpan.Zero;
    while (records < o.Records && clock.Elapsed - idleSince < TimeSpan.FromSeconds(10))
    {
        var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
        if (result is null || result.IsPartitionEOF)
        {
            continue;
        }
        if (records++ == 0)
        {
            firstRecordAt = clock.Elapsed;
        }
        bytes += result.Message.Value;
        idleSince = clock.Elapsed;
    }
    var seconds = clock.Elapsed.TotalSeconds;
    // Like kafka-consumer-perf-test's fetch rate: from the first record, leaving out start-up and metadata.
    var fetchSeconds = (clock.Elapsed - firstRecordAt).TotalSeconds;
    Console.WriteLine($"{records} records consumed, {records / seconds:F0} records/sec ({bytes / (1024.0 * 1024) / seconds:F2} MB/sec); " +
        $"from the first record: {records / fetchSeconds:F0} records/sec ({bytes / (1024.0 * 1024) / fetchSeconds:F2} MB/sec)");
    return records >= o.Records ? 0 : 1;
}

/// <summary>Deserializes a record value to its length, so consuming does not allocate per record.</summary>
internal sealed class ValueLength : IDeserializer<int>
{
    public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? 0 : data.Length;
}
