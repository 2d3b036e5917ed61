namespace KafkaCompat.Records;

/// <summary>
/// The type in a control record's key. Transactions (KIP-98) use Abort and Commit; KRaft adds more
/// types, which this broker only needs to recognise as "not a transaction marker".
/// </summary>
public enum ControlRecordType : short
{
    Abort = 0,
    Commit = 1,
    LeaderChange = 2,
    SnapshotHeader = 3,
    SnapshotFooter = 4,

    /// <summary>KIP-853: the kraft.version of the metadata log from this point on.</summary>
    KRaftVersion = 5,

    /// <summary>KIP-853: the voter set of the metadata log from this point on.</summary>
    KRaftVoters = 6,
}
