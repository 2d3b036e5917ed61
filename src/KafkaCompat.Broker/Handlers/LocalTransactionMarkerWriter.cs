using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// The transaction coordinator's marker path to the partitions this node leads: a WriteTxnMarkers
/// request handed to <see cref="WriteTxnMarkersHandler.WriteAsync"/> in process, the same code a
/// request from another broker's coordinator runs. UNKNOWN_TOPIC_OR_PARTITION means the topic is
/// gone from the metadata: as Kafka's marker channel drops the partitions of a deleted topic,
/// nothing is left to mark there and the partition counts as done.
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
                var error = (ErrorCode)partition.ErrorCode;
                errors[new TopicPartition(topic.Name, partition.PartitionIndex)] = error == ErrorCode.UnknownTopicOrPartition ? ErrorCode.None : error;
            }
        }
        return errors;
    }
}
