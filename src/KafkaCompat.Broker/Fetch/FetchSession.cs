namespace KafkaCompat.Broker.Fetch;

/// <summary>
/// An incremental fetch session (KIP-227): the partitions a client fetches,
/// so later requests only name what changed and responses only carry
/// partitions with news. <see cref="Epoch"/> is the epoch the next request must carry.
/// </summary>
public sealed class FetchSession(int id, bool usesTopicIds)
{
    public int Id { get; } = id;
    public bool UsesTopicIds { get; } = usesTopicIds;
    public int Epoch { get; set; } = 1;
    public long LastUsedMs { get; set; }
    public Dictionary<(KafkaCompat.Protocol.Uuid, string?, int), FetchTarget> Partitions { get; } = [];
    public object Lock { get; } = new();
}
