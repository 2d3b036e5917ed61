using KafkaCompat.Protocol;

namespace KafkaCompat.Raft;

/// <summary>
/// A replica of the metadata log: its node id and, from kraft.version 1 (KIP-853), the id of the
/// log directory it lives in, so that a voter whose disk was replaced (same node id, new directory)
/// is not taken for the old one. <see cref="DirectoryId"/> is null where the peer does not send one.
/// </summary>
public readonly record struct ReplicaKey(int Id, Uuid? DirectoryId)
{
    /// <summary>Kafka's "no replica" id (-1), used for a vote not cast and a leader not known.</summary>
    public const int NoId = -1;

    public static ReplicaKey Of(int id) => new(id, null);

    public override string ToString() => DirectoryId is { } directory ? $"{Id}/{directory}" : Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
