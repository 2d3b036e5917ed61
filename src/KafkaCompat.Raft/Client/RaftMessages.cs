using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// The one topic partition the Raft RPCs carry (<c>__cluster_metadata-0</c>, whose topic id is
/// fixed so Fetch v13+ can name it before any metadata exists) and the checks of it (Kafka's RaftUtil).
/// </summary>
internal static class RaftMessages
{
    public const string MetadataTopicName = "__cluster_metadata";

    public const int MetadataPartition = 0;

    /// <summary>Kafka's METADATA_TOPIC_ID, "AAAAAAAAAAAAAAAAAAAAAQ".</summary>
    public static readonly Uuid MetadataTopicId = new(0, 1);

    public static bool IsMetadataTopic(string? name, Uuid topicId) => name == MetadataTopicName || topicId == MetadataTopicId;

    /// <summary>Exactly one topic with exactly one partition, and it is the metadata partition: anything else is an invalid request until there is more than one Raft partition.</summary>
    public static bool IsSingletonMetadataPartition<TTopic, TPartition>(IReadOnlyList<TTopic> topics, Func<TTopic, bool> isMetadataTopic, Func<TTopic, IReadOnlyList<TPartition>> partitions, Func<TPartition, int> index) =>
        topics.Count == 1 && isMetadataTopic(topics[0]) && partitions(topics[0]) is { Count: 1 } list && index(list[0]) == MetadataPartition;

    public static VoteResponseData VoteResponse(ErrorCode topLevel) => new() { ErrorCode = (short)topLevel };

    public static VoteResponseData VoteResponse(ErrorCode partitionError, int epoch, int leaderId, bool voteGranted) => new()
    {
        Topics =
        [
            new VoteResponseData.TopicData
            {
                TopicName = MetadataTopicName,
                Partitions = [new VoteResponseData.PartitionData { PartitionIndex = MetadataPartition, ErrorCode = (short)partitionError, LeaderEpoch = epoch, LeaderId = leaderId, VoteGranted = voteGranted }],
            },
        ],
    };

    public static BeginQuorumEpochResponseData BeginQuorumEpochResponse(ErrorCode partitionError, int epoch, int leaderId) => new()
    {
        Topics =
        [
            new BeginQuorumEpochResponseData.TopicData
            {
                TopicName = MetadataTopicName,
                Partitions = [new BeginQuorumEpochResponseData.PartitionData { PartitionIndex = MetadataPartition, ErrorCode = (short)partitionError, LeaderEpoch = epoch, LeaderId = leaderId }],
            },
        ],
    };

    public static EndQuorumEpochResponseData EndQuorumEpochResponse(ErrorCode partitionError, int epoch, int leaderId) => new()
    {
        Topics =
        [
            new EndQuorumEpochResponseData.TopicData
            {
                TopicName = MetadataTopicName,
                Partitions = [new EndQuorumEpochResponseData.PartitionData { PartitionIndex = MetadataPartition, ErrorCode = (short)partitionError, LeaderEpoch = epoch, LeaderId = leaderId }],
            },
        ],
    };

    public static FetchResponseData FetchResponse(FetchResponseData.PartitionData partition) => new()
    {
        Responses = [new FetchResponseData.FetchableTopicResponse { Topic = MetadataTopicName, TopicId = MetadataTopicId, Partitions = [partition] }],
    };

    public static FetchSnapshotResponseData FetchSnapshotResponse(FetchSnapshotResponseData.PartitionSnapshot partition, string topicName = MetadataTopicName) => new()
    {
        Topics = [new FetchSnapshotResponseData.TopicSnapshot { Name = topicName, Partitions = [partition] }],
    };
}
