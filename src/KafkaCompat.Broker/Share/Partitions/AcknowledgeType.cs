namespace KafkaCompat.Broker.Share.Partitions;

/// <summary>
/// The acknowledgement types of ShareFetch and ShareAcknowledge (KIP-932): 0 marks an offset with no
/// record (a control record, a compacted gap); 4, from version 2 with IsRenewAck (KIP-1222), keeps
/// the record acquired and starts its lock again.
/// </summary>
public enum AcknowledgeType : sbyte
{
    Gap = 0,
    Accept = 1,
    Release = 2,
    Reject = 3,
    Renew = 4,
}
