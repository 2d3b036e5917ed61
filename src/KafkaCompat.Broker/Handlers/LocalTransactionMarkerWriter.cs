using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// The transaction coordinator's marker path to the partitions this node leads: a WriteTxnMarkers
/// request handed to <see cref="WriteTxnMarkersHandler.WriteAsync"/> in process, the same code a
/// request from another broker's coordinator runs. Each partition's error comes back as the leader
/// answered it; the coordinator decides what it means (TransactionCoordinatorShard.OutcomeOf).
/// </summary>
public sealed class LocalTransactionMarkerWriter(WriteTxnMarkersHandler handler) : ITransactionMarkerWriter
{
    public async Task<IReadOnlyDictionary<TopicPartition, ErrorCode>> WriteAsync(TransactionMarkers markers)
    {
        var marker = new WriteTxnMarkersRequestData.WritableTxnMarker
        {
            ProducerId = markers.ProducerId,
            ProducerEpoch = markers.ProducerEpoch,
            TransactionResult = markers.Commit,
            CoordinatorEpoch = markers.CoordinatorEpoch,
            TransactionVersion = (sbyte)markers.TransactionVersion,
        };
        foreach (var topic in markers.Partitions.GroupBy(tp => tp.Topic, StringComparer.Ordinal))
        {
            marker.Topics.Add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic { Name = topic.Key, PartitionIndexes = [.. topic.Select(tp => tp.Partition)] });
        }
        var response = await handler.WriteAsync(new WriteTxnMarkersRequestData { Markers = [marker] });
        var errors = new Dictionary<TopicPartition, ErrorCode>();
        foreach (var topic in response.Markers.Single().Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                errors[new TopicPartition(topic.Name, partition.PartitionIndex)] = (ErrorCode)partition.ErrorCode;
            }
        }
        return errors;
    }
}
