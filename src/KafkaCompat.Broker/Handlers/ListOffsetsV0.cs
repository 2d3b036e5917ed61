using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ListOffsets v0 answers a list of offsets (up to MaxNumOffsets, newest first) instead of one
/// offset and timestamp. Latest (-1) is the high watermark, which Kafka puts first for a
/// consumer; earliest (-2) is the log start offset. Kafka's v0 found other timestamps by segment
/// file modification times (the offsets of segments last written before the timestamp), which
/// depends on when files were touched; here they are found through the time index as in v1+
/// (the first offset whose timestamp is at least the one asked), the answer old clients use
/// v0 for. A latest lookup that asks for more than one offset gets the log start offset too
/// when the log is not empty: the offsets Kafka lists for a log of one segment.
/// </summary>
internal static class ListOffsetsV0
{
    public static void Lookup(Partition partition, ListOffsetsRequestData.ListOffsetsPartition request, ListOffsetsResponseData.ListOffsetsPartitionResponse response)
    {
        var offsets = response.OldStyleOffsets;
        if (request.MaxNumOffsets <= 0)
        {
            return;
        }
        switch (request.Timestamp)
        {
            case ListOffsetsTimestamp.Latest:
                var highWatermark = partition.HighWatermark;
                offsets.Add(highWatermark);
                if (request.MaxNumOffsets > 1 && partition.LogStartOffset < highWatermark)
                {
                    offsets.Add(partition.LogStartOffset);
                }
                break;
            case ListOffsetsTimestamp.Earliest:
                offsets.Add(partition.LogStartOffset);
                break;
            default:
                // Other negative timestamps (-3 and below) came after v0: nothing is before them.
                if (request.Timestamp >= 0 && partition.FetchOffsetForTimestamp(request.Timestamp, FetchIsolation.HighWatermark) is { } found)
                {
                    offsets.Add(found.Offset);
                }
                break;
        }
    }
}
