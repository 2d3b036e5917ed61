using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Metadata;

/// <summary>The content of a valid snapshot file: the header's timestamp, the metadata records, and the file's size.</summary>
public sealed record MetadataSnapshot(long LastContainedLogTimestamp, IReadOnlyList<IKafkaMessage> Records, long SizeInBytes);
