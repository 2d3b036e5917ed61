using System.Text;
using Confluent.Kafka;

namespace KafkaCompat.EosTrial;

/// <summary>
/// What the application reads and writes. <c>DwellMs</c>: how long each transaction stays open
/// after its records are sent, before its offsets and commit (the window in which a kill leaves a
/// transaction for the coordinator to abort).
/// </summary>
public sealed record ProcessorSettings(string Bootstrap, string Input, string Output, string Group, string TransactionalId, int Batch, int DwellMs)
{
    public static ProcessorSettings From(Options o)
    {
        var settings = new ProcessorSettings(o.Required("bootstrap"), o.Required("input"), o.Required("output"), o.Required("group"),
            o.Required("transactional-id"), o.Int("batch", 20), o.Int("dwell-ms", 0));
        o.EnsureAllRead();
        return settings;
    }

    /// <summary>The command-line arguments that make <see cref="From"/> return these settings.</summary>
    public IEnumerable<string> ToArgs(string librdkafka) =>
    [
        "process", "--bootstrap", Bootstrap, "--input", Input, "--output", Output, "--group", Group,
        "--transactional-id", TransactionalId, "--batch", $"{Batch}", "--dwell-ms", $"{DwellMs}", "--librdkafka", librdkafka,
    ];
}

/// <summary>
/// The application under test: reads the input topic in a consumer group (read_committed), and
/// for each batch writes "out-" + value to the same partition of the output topic and the
/// consumed offsets in one transaction (KIP-98's consume-transform-produce with KIP-447's
/// group metadata). It is crash-only: on any error it aborts what it can and exits, and the
/// trial starts it again, so it resumes from the last committed offsets as a restarted
/// application would. Static membership (KIP-345) lets the new instance take the old one's
/// place at once instead of waiting out the session timeout of a member killed with SIGKILL.
/// </summary>
public static class Processor
{
    public static int Run(ProcessorSettings s)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = s.Bootstrap,
            GroupId = s.Group,
            GroupInstanceId = $"{s.Group}-instance",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 10_000,
            ReconnectBackoffMaxMs = 500,
        }).Build();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = s.Bootstrap,
            TransactionalId = s.TransactionalId,
            LingerMs = 2,
            TransactionTimeoutMs = 20_000,
            ReconnectBackoffMaxMs = 500,
        }).Build();
        try
        {
            producer.InitTransactions(TimeSpan.FromSeconds(60));
            consumer.Subscribe(s.Input);
            Console.WriteLine("ready");
            var batch = new List<ConsumeResult<byte[]?, byte[]?>>(s.Batch);
            while (true)
            {
                batch.Clear();
                while (batch.Count < s.Batch && consumer.Consume(TimeSpan.FromMilliseconds(batch.Count == 0 ? 500 : 20)) is { } result)
                {
                    batch.Add(result);
                }
                if (batch.Count > 0)
                {
                    Transform(producer, consumer, s, batch);
                    Console.WriteLine($"committed {batch.Count}");
                }
            }
        }
        catch (KafkaException e)
        {
            Console.WriteLine($"error {e.Error.Code}: {e.Error.Reason} (fatal {e.Error.IsFatal}, abortable {(e as KafkaTxnRequiresAbortException) is not null})");
            if (e is KafkaTxnRequiresAbortException)
            {
                TryAbort(producer);
            }
            return 3;
        }
    }

    private static void Transform(IProducer<byte[]?, byte[]?> producer, IConsumer<byte[]?, byte[]?> consumer, ProcessorSettings s, List<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        producer.BeginTransaction();
        Error? failed = null;
        foreach (var r in batch)
        {
            var value = Encoding.UTF8.GetBytes("out-" + Encoding.UTF8.GetString(r.Message.Value ?? []));
            var headers = new Headers { { "in-offset", Encoding.UTF8.GetBytes($"{r.Offset.Value}") } };
            producer.Produce(new TopicPartition(s.Output, r.Partition), new Message<byte[]?, byte[]?> { Key = r.Message.Key, Value = value, Headers = headers },
                report => failed ??= report.Error.IsError ? report.Error : null);
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        Thread.Sleep(s.DwellMs);
        var offsets = batch.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)).ToList();
        producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
        // CommitTransaction flushes the records first; a failed delivery makes it throw.
        producer.CommitTransaction(TimeSpan.FromSeconds(30));
        if (failed is { } error)
        {
            throw new KafkaException(error);
        }
    }

    private static void TryAbort(IProducer<byte[]?, byte[]?> producer)
    {
        try
        {
            producer.AbortTransaction(TimeSpan.FromSeconds(10));
        }
        catch (KafkaException e)
        {
            Console.WriteLine($"abort failed: {e.Error.Code}");
        }
    }
}
