using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Metadata;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Replication;

/// <summary>The real storage stack on in-memory files, a metadata controller and a replica manager, with one topic.</summary>
internal sealed class ReplicaHarness : IDisposable
{
    public const string Topic = "t";

    private readonly MemoryFileSystem _files = new();
    private readonly LogManager _logs;
    private readonly MetadataNode _metadata;

    public ReplicaHarness(TimeProvider time, int partitions = 1)
    {
        Time = time;
        _logs = LogManager.Start(_files, new LogManagerConfig { LogDirs = ["/data"], NodeId = 1, ClusterId = "test-cluster" }, time);
        _metadata = new MetadataNode(_logs, _files, time);
        Metadata = _metadata.Controller;
        Broker = new BrokerState(BrokerConfig.Create(new Dictionary<string, string>()), "test-cluster");
        Replicas = new ReplicaManager(_logs, Broker, NullLogger<ReplicaManager>.Instance);
        _metadata.Loader.Install(Replicas.Sync);
        Metadata.CreateTopic(Topic, partitions, new Dictionary<string, string>()).GetAwaiter().GetResult();
    }

    public TimeProvider Time { get; }

    public MetadataController Metadata { get; }

    public BrokerState Broker { get; }

    public ReplicaManager Replicas { get; }

    public Partition Partition(int index = 0) => Replicas.GetPartition(Topic, index)!;

    /// <summary>The partition's log itself, for a test that must put records where no leader would (beyond the high watermark).</summary>
    public PartitionLog Log(int index = 0) => _logs.GetOrCreateLog(new TopicPartition(Topic, index), Partition(index).Config);

    public static byte[] Batch(long timestamp, params string[] values)
    {
        using var builder = new RecordBatchBuilder();
        foreach (var value in values)
        {
            builder.Append(timestamp, null, System.Text.Encoding.UTF8.GetBytes(value));
        }
        return builder.ToArray();
    }

    public static RequestContext Context(ApiKey key, short version) =>
        new(new RequestHeaderData { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = 1, ClientId = "test" },
            new ConnectionSession("c1", "PLAINTEXT", "PLAINTEXT", "127.0.0.1:1"));

    public void Dispose()
    {
        _metadata.Dispose();
        _logs.Shutdown();
    }
}
