using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace KafkaCompat.PerfTest;

/// <summary>
/// Fills the metadata log through the admin API, for the start-up time of a node with a long one:
/// <see cref="PerfOptions.Records"/> topic config changes, each one ConfigRecord the controller
/// commits, sent as IncrementalAlterConfigs requests (eight in flight) that each change retention.ms on every one of
/// <see cref="Topics"/> topics (a new value each time, so that none is a no-op).
/// </summary>
internal static class MetadataLoad
{
    private const int Topics = 100;

    private const int InFlight = 8;

    public static int Run(PerfOptions o)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = o.BootstrapServers }).Build();
        var names = Enumerable.Range(0, Topics).Select(i => $"{o.Topic}-{i}").ToList();
        try
        {
            admin.CreateTopicsAsync(names.Select(n => new TopicSpecification { Name = n, NumPartitions = 1, ReplicationFactor = 1 })).GetAwaiter().GetResult();
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
        }
        var clock = Stopwatch.StartNew();
        long changes = 0;
        for (var round = 0; changes < o.Records; round += InFlight)
        {
            // A few requests in flight at once, as concurrent admin users would send them.
            var requests = new List<Task>();
            for (var i = 0; i < InFlight && changes < o.Records; i++)
            {
                var value = (3_600_000L + round + i).ToString(CultureInfo.InvariantCulture);
                var batch = names.Take((int)Math.Min(Topics, o.Records - changes)).ToDictionary(
                    n => new ConfigResource { Type = ResourceType.Topic, Name = n },
                    _ => new List<ConfigEntry> { new() { Name = "retention.ms", Value = value, IncrementalOperation = AlterConfigOpType.Set } });
                requests.Add(admin.IncrementalAlterConfigsAsync(batch));
                changes += batch.Count;
            }
            Task.WhenAll(requests).GetAwaiter().GetResult();
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{changes} topic config changes on {Topics} topics in {clock.Elapsed.TotalSeconds:F1} s ({changes / clock.Elapsed.TotalSeconds:F0}/s)"));
        return 0;
    }
}
