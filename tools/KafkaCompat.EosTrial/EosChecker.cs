using System.Text;
using Confluent.Kafka;

namespace KafkaCompat.EosTrial;

/// <summary>What the checker found: counts, and one line per anomaly (an empty list is a pass).</summary>
public sealed record EosReport(int Input, int CommittedOutput, int UncommittedOutput, IReadOnlyList<string> Anomalies)
{
    /// <summary>Records in the output log that read_committed hides: the writes of aborted transactions.</summary>
    public int AbortedOutput => UncommittedOutput - CommittedOutput;
}

/// <summary>
/// Checks the output of a consume-transform-produce run against its input, in the spirit of
/// Jepsen's Kafka workload: every input record has exactly one output record visible to a
/// read_committed consumer (no lost write, no duplicate, no aborted read), in input order within
/// each partition (no non-monotonic offsets), and the group's committed offsets are the input's end.
/// </summary>
public static class EosChecker
{
    public static EosReport Check(string bootstrap, string input, string output, string group, int partitions)
    {
        var inputRecords = ReadAll(bootstrap, input, partitions, IsolationLevel.ReadCommitted);
        var committed = ReadAll(bootstrap, output, partitions, IsolationLevel.ReadCommitted);
        var uncommitted = ReadAll(bootstrap, output, partitions, IsolationLevel.ReadUncommitted);
        var anomalies = new List<string>();

        var values = inputRecords.ToDictionary(r => (r.Partition, r.Offset), r => r.Value);
        var seen = new HashSet<(int, long)>();
        var last = new Dictionary<int, long>();
        foreach (var r in committed)
        {
            var inOffset = long.Parse(r.Header ?? "-1");
            if (!values.TryGetValue((r.Partition, inOffset), out var value) || r.Value != "out-" + value)
            {
                anomalies.Add($"unexpected output {r.Partition}@{r.Offset}: '{r.Value}' for input offset {inOffset}");
                continue;
            }
            if (!seen.Add((r.Partition, inOffset)))
            {
                anomalies.Add($"duplicate: input {r.Partition}@{inOffset} has a second output at {r.Partition}@{r.Offset}");
            }
            if (last.TryGetValue(r.Partition, out var previous) && inOffset <= previous)
            {
                anomalies.Add($"non-monotonic: output {r.Partition}@{r.Offset} is input offset {inOffset} after {previous}");
            }
            last[r.Partition] = inOffset;
        }
        var lost = inputRecords.Where(r => !seen.Contains((r.Partition, r.Offset))).ToList();
        anomalies.AddRange(lost.Take(10).Select(r => $"lost: input {r.Partition}@{r.Offset} has no committed output"));
        if (lost.Count > 10)
        {
            anomalies.Add($"lost: {lost.Count - 10} more");
        }
        anomalies.AddRange(CheckCommittedOffsets(bootstrap, input, group, partitions, inputRecords));
        return new EosReport(inputRecords.Count, committed.Count, uncommitted.Count, anomalies);
    }

    private static IEnumerable<string> CheckCommittedOffsets(string bootstrap, string input, string group, int partitions, List<Read> inputRecords)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(input, p)), TimeSpan.FromSeconds(30));
        foreach (var tpo in committed)
        {
            var end = inputRecords.Where(r => r.Partition == tpo.Partition.Value).Select(r => r.Offset + 1).DefaultIfEmpty(0).Max();
            if (tpo.Offset.Value != end)
            {
                yield return $"offsets: group {group} committed {tpo.Offset} for {input}-{tpo.Partition.Value}, its end is {end}";
            }
        }
    }

    public sealed record Read(int Partition, long Offset, string? Value, string? Header);

    /// <summary>Every partition from the beginning to its end (end-of-partition events) at one isolation level.</summary>
    public static List<Read> ReadAll(string bootstrap, string topic, int partitions, IsolationLevel isolation)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"eos-checker-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            IsolationLevel = isolation,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<Read>();
        var atEnd = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (atEnd.Count < partitions)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{topic}: end of partitions {string.Join(",", Enumerable.Range(0, partitions).Except(atEnd))} not reached in 120 s");
            }
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }
            var header = result.Message.Headers?.TryGetLastBytes("in-offset", out var h) == true ? Encoding.UTF8.GetString(h) : null;
            var value = result.Message.Value is { } v ? Encoding.UTF8.GetString(v) : null;
            records.Add(new Read(result.Partition.Value, result.Offset.Value, value, header));
        }
        return records;
    }
}
