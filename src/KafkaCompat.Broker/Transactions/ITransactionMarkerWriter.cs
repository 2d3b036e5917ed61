using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// The COMMIT or ABORT markers of one transaction, for the partitions it touched.
/// <see cref="TransactionVersion"/> is the client's (WriteTxnMarkers v2, KIP-1228): with 2 the marker's
/// epoch is the one EndTxn bumped, and a partition leader holds it to the stricter check.
/// </summary>
public sealed record TransactionMarkers(string TransactionalId, long ProducerId, short ProducerEpoch, bool Commit, int CoordinatorEpoch, IReadOnlyCollection<TopicPartition> Partitions, short TransactionVersion = 0);

/// <summary>
/// Where the coordinator sends markers: the WriteTxnMarkers path of each partition's leader (this
/// node's own partitions too, so that replication needs no second path). Answers each partition's
/// error as its leader gave it (UNKNOWN_TOPIC_OR_PARTITION for a topic the metadata no longer knows).
/// </summary>
public interface ITransactionMarkerWriter
{
    Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> WriteAsync(TransactionMarkers markers);
}
