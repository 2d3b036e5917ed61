using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>One committed batch of the metadata log: its offsets, the leader epoch that wrote it, and its records.</summary>
public sealed record MetadataBatch(long BaseOffset, int Epoch, long AppendTimestamp, int SizeInBytes, IReadOnlyList<IKafkaMessage> Records)
{
    public long LastOffset => BaseOffset + Records.Count - 1;
}
