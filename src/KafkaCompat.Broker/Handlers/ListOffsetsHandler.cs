using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ListOffsets (key 2), versions 0-11 (v0 lists offsets: <see cref="ListOffsetsV0"/>).
/// Special timestamps: -1 latest (the high watermark, or the last stable
/// offset for read_committed, v2+), -2 earliest (log start offset),
/// -3 the record with the largest timestamp (v7+, KIP-734), -4 earliest
/// local (v8+, KIP-405: the log start offset, as nothing is tiered), -5
/// latest tiered (v9+, KIP-1005: none, so -1), -6 earliest pending upload (v11+,
/// KIP-1023: nothing is tiered, so none either, -1 as Kafka answers for a topic
/// without remote storage). v10 adds TimeoutMs (KIP-1075), the time a lookup in
/// remote storage may take: every lookup here is local and immediate. Any other timestamp finds the
/// first offset whose timestamp is at least that, through the time index;
/// none gives offset -1 and timestamp -1. Nothing at or above the high
/// watermark (or last stable offset) is ever returned.
/// </summary>
public sealed class ListOffsetsHandler(ReplicaManager replicas) : ApiHandler<ListOffsetsRequestData, ListOffsetsResponseData>
{
    private const sbyte ReadCommitted = 1;

    public override ApiKey ApiKey => ApiKey.ListOffsets;

    public override VersionRange Versions => new(0, 11);

    protected override ValueTask<ListOffsetsResponseData?> HandleAsync(RequestContext context, ListOffsetsRequestData request, CancellationToken cancellationToken)
    {
        var response = new ListOffsetsResponseData();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponseData.ListOffsetsTopicResponse { Name = topic.Name };
            foreach (var p in topic.Partitions)
            {
                topicResponse.Partitions.Add(Lookup(topic.Name, p, request.IsolationLevel, context.ApiVersion));
            }
            response.Topics.Add(topicResponse);
        }
        return ValueTask.FromResult<ListOffsetsResponseData?>(response);
    }

    private ListOffsetsResponseData.ListOffsetsPartitionResponse Lookup(string topic, ListOffsetsRequestData.ListOffsetsPartition request, sbyte isolation, short version)
    {
        var response = new ListOffsetsResponseData.ListOffsetsPartitionResponse { PartitionIndex = request.PartitionIndex, Timestamp = -1, Offset = -1 };
        var partition = replicas.GetPartition(topic, request.PartitionIndex);
        if (partition is null)
        {
            response.ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
            return response;
        }
        if (version == 0)
        {
            ListOffsetsV0.Lookup(partition, request, response);
            return response;
        }
        // Special timestamps newer than the request's version are not understood by it: none found.
        var understood = request.Timestamp switch
        {
            ListOffsetsTimestamp.MaxTimestamp => version >= 7,
            ListOffsetsTimestamp.LatestTiered => version >= 9,
            ListOffsetsTimestamp.EarliestPendingUpload => version >= 11,
            _ => true,
        };
        var upTo = isolation == ReadCommitted ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark;
        var found = understood ? partition.FetchOffsetForTimestamp(request.Timestamp, upTo) : null;
        if (found is { } f)
        {
            response.Timestamp = f.Timestamp;
            response.Offset = f.Offset;
            // Leader epochs arrived in v4 (KIP-320), and the field is not ignorable before that.
            response.LeaderEpoch = version >= 4 ? f.LeaderEpoch : -1;
        }
        return response;
    }

    protected override ListOffsetsResponseData ErrorResponse(ListOffsetsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new ListOffsetsResponseData();
        foreach (var topic in request.Topics)
        {
            var t = new ListOffsetsResponseData.ListOffsetsTopicResponse { Name = topic.Name };
            t.Partitions.AddRange(topic.Partitions.Select(p => new ListOffsetsResponseData.ListOffsetsPartitionResponse { PartitionIndex = p.PartitionIndex, ErrorCode = (short)error }));
            response.Topics.Add(t);
        }
        return response;
    }
}
