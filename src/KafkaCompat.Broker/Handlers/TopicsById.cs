using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// The topic names behind a request's topics: as given, or, in the versions that name topics by id
/// (KIP-516: Produce 13, OffsetCommit and OffsetFetch 10), looked up in the metadata image; null for an
/// id the cluster does not know, which the handler answers with UNKNOWN_TOPIC_ID.
/// </summary>
public static class TopicsById
{
    public static List<string?> Names(IEnumerable<(string Name, Uuid TopicId)> topics, bool byId, MetadataImage image) =>
        topics.Select(t => byId ? image.Topic(t.TopicId)?.Name : t.Name).ToList();
}
