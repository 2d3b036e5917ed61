using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// The answer to EndTxn: the error, and with transaction version 2 (EndTxn v5, KIP-890 part 2) the
/// producer id and epoch the producer uses for its next transaction; -1 and -1 otherwise, as Kafka
/// answers on an error or to a classic client.
/// </summary>
public readonly record struct EndTxnResult(ErrorCode Error, long ProducerId, short ProducerEpoch)
{
    public static EndTxnResult Classic(ErrorCode error) => new(error, TransactionMetadata.NoProducerId, TransactionMetadata.NoProducerEpoch);
}
