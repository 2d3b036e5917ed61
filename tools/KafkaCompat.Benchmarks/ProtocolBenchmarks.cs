using BenchmarkDotNet.Attributes;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;

namespace KafkaCompat.Benchmarks;

/// <summary>
/// Decode/encode of a Produce request whose records section is 64 KiB or 1 MiB:
/// the records are a slice of the request buffer, so time and allocations of
/// decode must not grow with the payload.
/// </summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private const short ProduceVersion = 9;
    private const short MetadataVersion = 12;

    private byte[] _produceRequest = [];
    private ProduceRequestData _produce = new();
    private byte[] _encodeBuffer = [];
    private byte[] _metadataResponse = [];

    [Params(64 * 1024, 1024 * 1024)]
    public int RecordBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var builder = new RecordBatchBuilder();
        var value = new byte[1024];
        Random.Shared.NextBytes(value);
        for (var i = 0; i < RecordBytes / 1024; i++)
        {
            builder.Append(1_700_000_000_000 + i, null, value);
        }
        _produce = new ProduceRequestData { Acks = -1, TimeoutMs = 30_000 };
        var topic = new ProduceRequestData.TopicProduceData { Name = "bench" };
        topic.PartitionData.Add(new ProduceRequestData.PartitionProduceData { Index = 0, Records = builder.ToArray() });
        _produce.TopicData.Add(topic);
        _produceRequest = _produce.Serialize(ProduceVersion);
        _encodeBuffer = new byte[_produceRequest.Length];
        _metadataResponse = MetadataWithPartitions(1000).Serialize(MetadataVersion);
    }

    [Benchmark]
    public int DecodeProduceRequest()
    {
        var reader = new KafkaReader(_produceRequest);
        var request = new ProduceRequestData();
        request.Read(ref reader, ProduceVersion);
        return request.TopicData[0].PartitionData[0].Records!.Value.Length;
    }

    [Benchmark]
    public int EncodeProduceRequest()
    {
        var writer = new KafkaWriter(_encodeBuffer.AsSpan(0, _produce.Size(ProduceVersion)));
        _produce.Write(ref writer, ProduceVersion);
        return writer.Position;
    }

    /// <summary>Independent of RecordBytes; shown once per parameter for convenience.</summary>
    [Benchmark]
    public int DecodeMetadataResponse1000Partitions()
    {
        var reader = new KafkaReader(_metadataResponse);
        var response = new MetadataResponseData();
        response.Read(ref reader, MetadataVersion);
        return response.Topics.Count;
    }

    private static MetadataResponseData MetadataWithPartitions(int partitions)
    {
        var response = new MetadataResponseData { ClusterId = "bench-cluster", ControllerId = 1 };
        response.Brokers.Add(new MetadataResponseData.MetadataResponseBroker { NodeId = 1, Host = "localhost", Port = 9092 });
        for (var t = 0; t < partitions / 100; t++)
        {
            var topic = new MetadataResponseData.MetadataResponseTopic { Name = $"topic-{t}", TopicId = Uuid.NewRandom() };
            for (var p = 0; p < 100; p++)
            {
                topic.Partitions.Add(new MetadataResponseData.MetadataResponsePartition
                {
                    PartitionIndex = p, LeaderId = 1, LeaderEpoch = 3, ReplicaNodes = [1], IsrNodes = [1],
                });
            }
            response.Topics.Add(topic);
        }
        return response;
    }
}
