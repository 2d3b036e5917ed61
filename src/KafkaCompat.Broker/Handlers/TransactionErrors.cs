using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Handlers;

/// <summary>Error codes of the transaction APIs as each request version understands them.</summary>
public static class TransactionErrors
{
    /// <summary>
    /// KIP-588 introduced PRODUCER_FENCED (InitProducerId v4, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn
    /// v2, TxnOffsetCommit v3); older versions get INVALID_PRODUCER_EPOCH for the same condition, as
    /// Kafka answers them.
    /// </summary>
    public static ErrorCode ForVersion(ErrorCode error, short version, short firstVersionWithProducerFenced) =>
        error == ErrorCode.ProducerFenced && version < firstVersionWithProducerFenced ? ErrorCode.InvalidProducerEpoch : error;
}
