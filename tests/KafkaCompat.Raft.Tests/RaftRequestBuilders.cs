using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft.Tests;

/// <summary>Requests as another replica would send them, written field by field from the message specs.</summary>
internal static class RaftRequestBuilders
{
    public static VoteRequestData Vote(int candidateId, int epoch, int lastEpoch, long lastOffset, bool preVote = false, string? clusterId = RaftTestContext.ClusterId) => new()
    {
        ClusterId = clusterId,
        Topics =
        [
            new VoteRequestData.TopicData
            {
                TopicName = "__cluster_metadata",
                Partitions = [new VoteRequestData.PartitionData { PartitionIndex = 0, CandidateId = candidateId, CandidateEpoch = epoch, LastOffsetEpoch = lastEpoch, LastOffset = lastOffset, PreVote = preVote }],
            },
        ],
    };

    public static BeginQuorumEpochRequestData BeginQuorumEpoch(int leaderId, int epoch) => new()
    {
        ClusterId = RaftTestContext.ClusterId,
        Topics = [new() { TopicName = "__cluster_metadata", Partitions = [new() { PartitionIndex = 0, LeaderId = leaderId, LeaderEpoch = epoch }] }],
    };

    public static EndQuorumEpochRequestData EndQuorumEpoch(int leaderId, int epoch, params int[] preferredSuccessors) => new()
    {
        ClusterId = RaftTestContext.ClusterId,
        Topics =
        [
            new()
            {
                TopicName = "__cluster_metadata",
                Partitions = [new() { PartitionIndex = 0, LeaderId = leaderId, LeaderEpoch = epoch, PreferredCandidates = [.. preferredSuccessors.Select(id => new EndQuorumEpochRequestData.ReplicaInfo { CandidateId = id })] }],
            },
        ],
    };

    public static FetchRequestData Fetch(int replicaId, int epoch, long fetchOffset, int lastFetchedEpoch, int maxWaitMs = 0, string? clusterId = RaftTestContext.ClusterId) => new()
    {
        ClusterId = clusterId,
        ReplicaState = new FetchRequestData.ReplicaStateData { ReplicaId = replicaId },
        ReplicaId = replicaId,
        MaxWaitMs = maxWaitMs,
        MaxBytes = 1024 * 1024,
        Topics =
        [
            new FetchRequestData.FetchTopic
            {
                Topic = "__cluster_metadata",
                TopicId = new Protocol.Uuid(0, 1),
                Partitions = [new FetchRequestData.FetchPartition { Partition = 0, CurrentLeaderEpoch = epoch, FetchOffset = fetchOffset, LastFetchedEpoch = lastFetchedEpoch, PartitionMaxBytes = 1024 * 1024 }],
            },
        ],
    };

    public static FetchResponseData.PartitionData FetchPartition(FetchResponseData response) => response.Responses[0].Partitions[0];

    public static VoteResponseData.PartitionData VotePartition(VoteResponseData response) => response.Topics[0].Partitions[0];
}
