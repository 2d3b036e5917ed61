using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Protocol.Messages.WriteTxnMarkersResponseData;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// WriteTxnMarkers (key 27), versions 0-2: a transaction coordinator asks the leader of each
/// partition of a transaction to append its COMMIT or ABORT marker (KIP-98). The coordinator of
/// this node goes through <see cref="WriteAsync"/> too (<see cref="LocalTransactionMarkerWriter"/>), so
/// a marker reaches the log by one path whoever sends it. Per partition, as Kafka answers: a topic
/// or partition the metadata does not know is UNKNOWN_TOPIC_OR_PARTITION; one this node does not
/// host (yet) NOT_LEADER_OR_FOLLOWER; the log's own checks give INVALID_PRODUCER_EPOCH (an epoch
/// older than the producer's) and TRANSACTION_COORDINATOR_FENCED (an older coordinator epoch).
/// v2 (KIP-1228) carries the transaction version of each marker: a marker of transaction version 2
/// carries the epoch EndTxn bumped, so the log requires it above the producer's (a duplicate of the
/// marker just written is let through); v0-1 markers are checked the classic way.
/// </summary>
public sealed class WriteTxnMarkersHandler(ReplicaManager replicas, MetadataController metadata, GroupCoordinator groups) : ApiHandler<WriteTxnMarkersRequestData, WriteTxnMarkersResponseData>
{
    public override ApiKey ApiKey => ApiKey.WriteTxnMarkers;

    public override VersionRange Versions => new(0, 2);

    protected override async ValueTask<WriteTxnMarkersResponseData?> HandleAsync(RequestContext context, WriteTxnMarkersRequestData request, CancellationToken cancellationToken) =>
        await WriteAsync(request);

    /// <summary>Appends every marker of the request to its partitions, in request order.</summary>
    public async Task<WriteTxnMarkersResponseData> WriteAsync(WriteTxnMarkersRequestData request)
    {
        var response = new WriteTxnMarkersResponseData();
        var image = metadata.Image;
        foreach (var marker in request.Markers)
        {
            var result = new WritableTxnMarkerResult { ProducerId = marker.ProducerId };
            foreach (var topic in marker.Topics)
            {
                var topicResult = new WritableTxnMarkerTopicResult { Name = topic.Name };
                var known = image.Topic(topic.Name);
                foreach (var index in topic.PartitionIndexes)
                {
                    var error = known is null || index < 0 || index >= known.Partitions.Length
                        ? ErrorCode.UnknownTopicOrPartition
                        : replicas.GetPartition(topic.Name, index) is { } partition
                            ? await AppendAsync(partition, marker)
                            : ErrorCode.NotLeaderOrFollower;
                    topicResult.Partitions.Add(new WritableTxnMarkerPartitionResult { PartitionIndex = index, ErrorCode = (short)error });
                }
                result.Topics.Add(topicResult);
            }
            response.Markers.Add(result);
        }
        return response;
    }

    private async ValueTask<ErrorCode> AppendAsync(Partition partition, WriteTxnMarkersRequestData.WritableTxnMarker marker) =>
        partition.TopicPartition.Topic == TopicNames.ConsumerOffsets
            ? await AppendToOffsetsPartitionAsync(partition, marker)
            : partition.AppendEndTxnMarker(marker.ProducerId, marker.ProducerEpoch, marker.CoordinatorEpoch, marker.TransactionResult, marker.TransactionVersion).Error;

    /// <summary>
    /// The marker of a transaction that committed offsets (TxnOffsetCommit) into a partition of
    /// <c>__consumer_offsets</c>: as in Kafka, the group coordinator writes it, so that the pending
    /// offsets become visible (commit) or vanish (abort) as the marker is replayed. A coordinator
    /// that is not ready (not loaded, loading, not this partition's) answers NOT_LEADER_OR_FOLLOWER,
    /// as Kafka translates those errors for the transaction coordinator, which retries it.
    /// </summary>
    private async Task<ErrorCode> AppendToOffsetsPartitionAsync(Partition partition, WriteTxnMarkersRequestData.WritableTxnMarker marker)
    {
        var error = await groups.CompleteTransactionAsync(partition.TopicPartition, marker.ProducerId, marker.ProducerEpoch, marker.CoordinatorEpoch, marker.TransactionResult, marker.TransactionVersion);
        return error is ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator
            ? ErrorCode.NotLeaderOrFollower
            : error;
    }

    protected override WriteTxnMarkersResponseData ErrorResponse(WriteTxnMarkersRequestData request, short version, ErrorCode error, string message)
    {
        var response = new WriteTxnMarkersResponseData();
        foreach (var marker in request.Markers)
        {
            var result = new WritableTxnMarkerResult { ProducerId = marker.ProducerId };
            foreach (var topic in marker.Topics)
            {
                var topicResult = new WritableTxnMarkerTopicResult { Name = topic.Name };
                topicResult.Partitions.AddRange(topic.PartitionIndexes.Select(p => new WritableTxnMarkerPartitionResult { PartitionIndex = p, ErrorCode = (short)error }));
                result.Topics.Add(topicResult);
            }
            response.Markers.Add(result);
        }
        return response;
    }
}
