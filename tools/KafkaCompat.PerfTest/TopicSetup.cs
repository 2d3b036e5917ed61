using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace KafkaCompat.PerfTest;

/// <summary>The measured topic, with the partition count a mode needs (auto-creation would give the broker's num.partitions).</summary>
internal static class TopicSetup
{
    /// <summary>Creates the topic with <see cref="PerfOptions.Partitions"/> partitions unless it exists with that many already.</summary>
    public static void EnsureTopic(PerfOptions o)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = o.BootstrapServers }).Build();
        try
        {
            admin.CreateTopicsAsync([new TopicSpecification { Name = o.Topic, NumPartitions = o.Partitions, ReplicationFactor = 1 }]).GetAwaiter().GetResult();
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
        }
        var existing = admin.GetMetadata(o.Topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count;
        if (existing != o.Partitions)
        {
            throw new ArgumentException($"topic {o.Topic} has {existing} partitions, not {o.Partitions}");
        }
    }
}
