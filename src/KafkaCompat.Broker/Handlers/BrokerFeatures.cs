namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// The feature flags (KIP-584) as Kafka 4.x reports them in ApiVersions v3+: what this node supports
/// and the level in force, each only as far as the node really implements it. A Kafka cluster changes a
/// level with UpdateFeatures; here every level is fixed by what the code does, so each feature supports
/// its finalized level (and below it only what the broker still serves beside it, as transaction.version
/// does). As Kafka, a feature at level 0 is listed as supported but not as finalized.
/// </summary>
public static class BrokerFeatures
{
    public sealed record Feature(string Name, short Level)
    {
        /// <summary>The lowest level reported as supported; the finalized one unless set.</summary>
        public short MinSupported { get; init; } = Level;
    }

    /// <summary>
    /// transaction.version as Kafka 4.0+ finalizes it for a new cluster: 2, KIP-890 part 2. Which
    /// flavour a request gets still follows the client's request versions (EndTxn v5+, Produce v12+,
    /// TxnOffsetCommit v5+, AddPartitionsToTxn v4+ are version 2), so classic clients go on as before.
    /// The level also picks the <c>__transaction_state</c> value version (1, flexible, from level 1).
    /// </summary>
    public const short TransactionVersion = 2;

    /// <summary>Kafka's feature level of metadata.version 4.0-IV3.</summary>
    public const short MetadataVersion40IV3 = 25;

    public static IReadOnlyList<Feature> All { get; } =
    [
        // The metadata log is written with the record versions of Kafka 4.0's metadata schema (protocol-specs/metadata),
        // and read back only by this node; the RPCs it serves are those a 4.x broker serves.
        new("metadata.version", MetadataVersion40IV3),
        // 1 is the dynamic quorum of KIP-853 (AddRaftVoter/RemoveRaftVoter): there is no Raft quorum here, only one node.
        new("kraft.version", 0),
        // 1 is KIP-890 part 1 (the partition leader verifies a transactional produce, flexible log values), 2
        // is part 2 (implicit AddPartitionsToTxn from Produce 12 and TxnOffsetCommit 5, EndTxn 5's epoch bump).
        // Levels 0 and 1 stay supported: a classic client gets the classic rules from its request versions.
        new("transaction.version", TransactionVersion) { MinSupported = 0 },
        // 1 enables the KIP-848 consumer group protocol (ConsumerGroupHeartbeat, ConsumerGroupDescribe), served here;
        // Kafka 4.0+ finalizes it at 1 for a new cluster. 0 stays supported, as in Kafka.
        new("group.version", 1) { MinSupported = 0 },
        // 1 is KIP-966's eligible leader replicas, which need replication: a single node has no ISR to shrink.
        new("eligible.leader.replicas.version", 0),
        // 1 enables KIP-932 share groups (ShareGroupHeartbeat, ShareFetch, the share coordinator), served here;
        // Kafka 4.2 finalizes it at 1 for a new cluster (share groups left preview). 0 stays supported.
        new("share.version", 1) { MinSupported = 0 },
        // 1 enables KIP-1071 streams groups (StreamsGroupHeartbeat, ...): not served.
        new("streams.version", 0),
    ];

    /// <summary>
    /// The finalized features never change while the node runs, so their epoch is constant; 0 rather than
    /// Kafka's -1, which would tell a client that the finalized features are unknown.
    /// </summary>
    public const long FinalizedEpoch = 0;
}
