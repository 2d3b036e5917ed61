using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Fetch;

/// <summary>One partition a fetch reads: from the request, or remembered by its fetch session.</summary>
public sealed class FetchTarget(string? topic, Uuid topicId, int partition)
{
    /// <summary>Null when the request named the topic by an id this broker does not know.</summary>
    public string? Topic { get; set; } = topic;
    public Uuid TopicId { get; set; } = topicId;
    public int Partition { get; } = partition;
    public long FetchOffset { get; set; }
    public int PartitionMaxBytes { get; set; }

    // What the last response of an incremental session said, so the next can leave out what did not change (KIP-227).
    public long SentHighWatermark { get; set; } = -1;
    public long SentLastStableOffset { get; set; } = -1;
    public long SentLogStartOffset { get; set; } = -1;

    public (Uuid, string?, int) Key => (TopicId, TopicId == Uuid.Zero ? Topic : null, Partition);
}
