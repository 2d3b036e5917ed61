using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DeleteRecords (key 21), versions 0-2.
/// Moves each partition's log start offset up to the given offset (-1 means
/// the high watermark); whole segments below it are deleted. An offset past
/// the high watermark is OFFSET_OUT_OF_RANGE. The answer's low watermark is
/// the new log start offset.
/// </summary>
public sealed class DeleteRecordsHandler(ReplicaManager replicas) : ApiHandler<DeleteRecordsRequestData, DeleteRecordsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DeleteRecords;

    public override VersionRange Versions => new(0, 2);

    protected override ValueTask<DeleteRecordsResponseData?> HandleAsync(RequestContext context, DeleteRecordsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponseData();
        foreach (var topic in request.Topics)
        {
            var topicResult = new DeleteRecordsResponseData.DeleteRecordsTopicResult { Name = topic.Name };
            foreach (var p in topic.Partitions)
            {
                topicResult.Partitions.Add(Delete(topic.Name, p));
            }
            response.Topics.Add(topicResult);
        }
        return ValueTask.FromResult<DeleteRecordsResponseData?>(response);
    }

    private DeleteRecordsResponseData.DeleteRecordsPartitionResult Delete(string topic, DeleteRecordsRequestData.DeleteRecordsPartition request)
    {
        var result = new DeleteRecordsResponseData.DeleteRecordsPartitionResult { PartitionIndex = request.PartitionIndex, LowWatermark = -1 };
        if (replicas.GetPartition(topic, request.PartitionIndex) is not { } partition)
        {
            result.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            return result;
        }
        var deleted = partition.DeleteRecordsBefore(request.Offset);
        result.ErrorCode = (short)deleted.Error;
        result.LowWatermark = deleted.LowWatermark;
        return result;
    }

    protected override DeleteRecordsResponseData ErrorResponse(DeleteRecordsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DeleteRecordsResponseData();
        foreach (var topic in request.Topics)
        {
            var t = new DeleteRecordsResponseData.DeleteRecordsTopicResult { Name = topic.Name };
            t.Partitions.AddRange(topic.Partitions.Select(p => new DeleteRecordsResponseData.DeleteRecordsPartitionResult { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error, LowWatermark = -1 }));
            response.Topics.Add(t);
        }
        return response;
    }
}
