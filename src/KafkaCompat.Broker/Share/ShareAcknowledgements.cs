using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Broker.Share.Sessions;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Share;

/// <summary>
/// Acknowledgements of one request, ShareFetch's piggybacked ones or ShareAcknowledge's, applied
/// partition by partition: a malformed batch list is INVALID_REQUEST, a topic id the cluster does not
/// know UNKNOWN_TOPIC_ID, otherwise whatever the share-partition answers (KIP-932).
/// </summary>
public static class ShareAcknowledgements
{
    public static async Task<Dictionary<SharePartitionKey, (ErrorCode Error, string? Message)>> ApplyAsync(SharePartitionManager shares, MetadataImage image,
        string groupId, string memberId, IEnumerable<(SharePartitionKey Key, IReadOnlyList<AcknowledgementBatch> Batches)> acknowledgements, bool renew)
    {
        var results = new Dictionary<SharePartitionKey, (ErrorCode, string?)>();
        foreach (var (key, batches) in acknowledgements)
        {
            if (AcknowledgementBatch.Invalid(batches, renew) is { } invalid)
            {
                results[key] = (ErrorCode.InvalidRequest, invalid);
            }
            else if (image.Topic(key.TopicId) is null)
            {
                results[key] = (ErrorCode.UnknownTopicId, null);
            }
            else
            {
                results[key] = await shares.AcknowledgeAsync(groupId, memberId, key.TopicId, key.Partition, batches);
            }
        }
        return results;
    }
}
