using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The content of a valid snapshot file: the header's timestamp, the metadata records, and the file's
/// size; and KIP-853's kraft.version and voter set when the snapshot holds them (a dynamic quorum's
/// bootstrap snapshot, <c>00000000000000000000-0000000000.checkpoint</c>, does).
/// </summary>
public sealed record MetadataSnapshot(long LastContainedLogTimestamp, IReadOnlyList<IKafkaMessage> Records, long SizeInBytes)
{
    public KRaftVersionRecord? KRaftVersion { get; init; }

    public VotersRecord? Voters { get; init; }
}
