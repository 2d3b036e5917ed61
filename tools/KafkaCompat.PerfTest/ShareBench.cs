using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Share;

namespace KafkaCompat.PerfTest;

/// <summary>
/// Share-group (KIP-932) consume throughput: <see cref="PerfOptions.Consumers"/> librdkafka share
/// consumers in one new share group read a topic written before they start, acknowledging every
/// record (accept, explicit mode) until every record of the topic has been delivered and the
/// acknowledgements of each consumer are committed without error. The group reads from the start
/// because its share.auto.offset.reset is set to earliest (a GROUP config, as a user would set it).
/// Reports records/s and MB/s (the record size times the records: values are not copied out of
/// librdkafka), from the first record and from the start, and how many deliveries were repeats.
/// </summary>
internal static class ShareBench
{
    public static int Run(PerfOptions o)
    {
        TopicSetup.EnsureTopic(o);
        var ends = EndOffsets(o);
        var total = ends.Sum();
        if (total != o.Records)
        {
            Console.WriteLine($"topic {o.Topic} holds {total} records, not {o.Records}");
            return 1;
        }
        var group = $"share-perf-{o.Consumers}-{Guid.NewGuid():N}";
        SetEarliest(o, group);

        var deliveries = ends.Select(end => new int[end]).ToArray();
        long unique = 0, delivered = 0, firstRecordTicks = 0;
        var done = new ManualResetEventSlim();
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var perConsumer = new long[o.Consumers];
        var threads = Enumerable.Range(0, o.Consumers).Select(i => new Thread(() =>
        {
            try
            {
                perConsumer[i] = Consume(o, group, deliveries, ref unique, ref delivered, ref firstRecordTicks, clock, done, total);
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add($"consumer {i}: {e.Message}");
                }
                done.Set();
            }
        }) { Name = $"share-consumer-{i}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var seconds = clock.Elapsed.TotalSeconds;
        var fromFirst = seconds - (double)Interlocked.Read(ref firstRecordTicks) / Stopwatch.Frequency;
        foreach (var failure in failures)
        {
            Console.WriteLine(failure);
        }
        var missing = deliveries.Sum(p => p.Count(d => d == 0));
        var repeated = deliveries.Sum(p => p.Count(d => d > 1));
        var mb = (double)unique * o.RecordSize / (1024 * 1024);
        Console.WriteLine($"{o.Consumers} share consumer(s), {ends.Length} partition(s): {unique} of {total} records acknowledged, {delivered} deliveries " +
            $"({delivered - unique} repeats, {repeated} records delivered more than once, {missing} never), per consumer {string.Join("/", perConsumer)}; " +
            $"from the first record: {unique / fromFirst:F0} records/sec ({mb / fromFirst:F2} MB/sec); from the start: {unique / seconds:F0} records/sec ({mb / seconds:F2} MB/sec)");
        return failures.Count == 0 && missing == 0 ? 0 : 1;
    }

    /// <summary>One member's poll loop: accept each record, count its delivery, stop when the group has seen every record; then commit and leave.</summary>
    private static long Consume(PerfOptions o, string group, int[][] deliveries, ref long unique, ref long delivered, ref long firstRecordTicks,
        Stopwatch clock, ManualResetEventSlim done, long total)
    {
        using var consumer = new LibrdkafkaShareConsumer(o.BootstrapServers, group, new Dictionary<string, string>
        {
            ["share.acknowledgement.mode"] = "explicit",
            ["max.poll.records"] = o.MaxPollRecords.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        consumer.Subscribe(o.Topic);
        long mine = 0;
        var idleSince = clock.Elapsed;
        while (!done.IsSet && clock.Elapsed - idleSince < TimeSpan.FromSeconds(30))
        {
            var records = consumer.Poll(100, copyPayloads: false);
            if (records.Count > 0)
            {
                idleSince = clock.Elapsed;
                Interlocked.CompareExchange(ref firstRecordTicks, clock.ElapsedTicks, 0);
            }
            foreach (var record in records)
            {
                if (record.Error != 0)
                {
                    throw new InvalidOperationException($"record error {record.Error} at {record.Partition}/{record.Offset}");
                }
                consumer.Acknowledge(record, LibrdkafkaShareConsumer.AcknowledgeType.Accept);
                mine++;
                Interlocked.Increment(ref delivered);
                if (Interlocked.Increment(ref deliveries[record.Partition][record.Offset]) == 1 && Interlocked.Increment(ref unique) == total)
                {
                    done.Set();
                }
            }
        }
        var failed = consumer.CommitSync(30_000);
        if (failed.Count > 0)
        {
            throw new InvalidOperationException($"acknowledgements failed: {string.Join(", ", failed.Select(f => $"{f.Topic}-{f.Partition}: {f.Error}"))}");
        }
        consumer.Close();
        return mine;
    }

    private static long[] EndOffsets(PerfOptions o)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = o.BootstrapServers, GroupId = "share-perf-offsets" }).Build();
        return [.. Enumerable.Range(0, o.Partitions).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(o.Topic, p), TimeSpan.FromSeconds(10)).High.Value)];
    }

    private static void SetEarliest(PerfOptions o, string group)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = o.BootstrapServers }).Build();
        admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [new ConfigResource { Type = ResourceType.Group, Name = group }] =
                [new ConfigEntry { Name = "share.auto.offset.reset", Value = "earliest", IncrementalOperation = AlterConfigOpType.Set }],
        }).GetAwaiter().GetResult();
    }
}
