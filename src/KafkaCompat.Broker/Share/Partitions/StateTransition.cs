namespace KafkaCompat.Broker.Share.Partitions;

/// <summary>
/// The records one acknowledgement or release changed, while the share coordinator has not yet
/// stored the change (KIP-932): as in Kafka's leader, they already show their new state, but the
/// start offset does not move past them and a released one is not acquired again until the write
/// succeeds; if it fails, <see cref="SharePartition.Complete"/> puts every one of them back as it
/// was (acquired by the same member, under the same lock), so the member's answer and the leader's
/// memory agree with what was persisted.
/// </summary>
public sealed class StateTransition
{
    internal List<long> Offsets { get; } = [];

    /// <summary>How many records changed state.</summary>
    public int Count => Offsets.Count;

    /// <summary>Whether a record became available again (a waiting ShareFetch is woken once it is stored).</summary>
    public bool Released { get; internal set; }
}
