using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// The requests one replica sends another, for the metadata partition. Fields that exist only from
/// some version on (the voter key of Vote/BeginQuorumEpoch v1, PreVote of Vote v2,
/// PreferredCandidates of EndQuorumEpoch v1) are filled alongside the older ones and the channel
/// writes whichever the negotiated version has; Fetch names the replica in v15's ReplicaState only.
/// </summary>
internal static class RaftRequests
{
    public static VoteRequestData Vote(string clusterId, int candidateId, int candidateEpoch, int lastEpoch, long lastOffset, bool preVote) => new()
    {
        ClusterId = clusterId,
        Topics =
        [
            new VoteRequestData.TopicData
            {
                TopicName = RaftMessages.MetadataTopicName,
                Partitions =
                [
                    new VoteRequestData.PartitionData
                    {
                        PartitionIndex = RaftMessages.MetadataPartition,
                        CandidateEpoch = candidateEpoch,
                        CandidateId = candidateId,
                        LastOffsetEpoch = lastEpoch,
                        LastOffset = lastOffset,
                        PreVote = preVote,
                    },
                ],
            },
        ],
    };

    public static BeginQuorumEpochRequestData BeginQuorumEpoch(string clusterId, int voterId, int epoch, int leaderId) => new()
    {
        ClusterId = clusterId,
        VoterId = voterId,
        Topics =
        [
            new BeginQuorumEpochRequestData.TopicData
            {
                TopicName = RaftMessages.MetadataTopicName,
                Partitions = [new BeginQuorumEpochRequestData.PartitionData { PartitionIndex = RaftMessages.MetadataPartition, LeaderId = leaderId, LeaderEpoch = epoch }],
            },
        ],
    };

    public static EndQuorumEpochRequestData EndQuorumEpoch(string clusterId, int epoch, int leaderId, IReadOnlyList<ReplicaKey> preferredSuccessors) => new()
    {
        ClusterId = clusterId,
        Topics =
        [
            new EndQuorumEpochRequestData.TopicData
            {
                TopicName = RaftMessages.MetadataTopicName,
                Partitions =
                [
                    new EndQuorumEpochRequestData.PartitionData
                    {
                        PartitionIndex = RaftMessages.MetadataPartition,
                        LeaderId = leaderId,
                        LeaderEpoch = epoch,
                        PreferredSuccessors = [.. preferredSuccessors.Select(s => s.Id)],
                        PreferredCandidates = [.. preferredSuccessors.Select(s => new EndQuorumEpochRequestData.ReplicaInfo { CandidateId = s.Id, CandidateDirectoryId = s.DirectoryId ?? Protocol.Uuid.Zero })],
                    },
                ],
            },
        ],
    };

    public static FetchRequestData Fetch(string clusterId, int replicaId, int epoch, long fetchOffset, int lastFetchedEpoch, int maxWaitMs, int maxBytes) => new()
    {
        ClusterId = clusterId,
        // Fetch v15+ (KIP-903) carries the replica in ReplicaState only; a channel that must send an
        // older version moves it to ReplicaId (Broker/InterNode/RequestVersions).
        ReplicaState = new FetchRequestData.ReplicaStateData { ReplicaId = replicaId },
        MaxWaitMs = maxWaitMs,
        MaxBytes = maxBytes,
        Topics =
        [
            new FetchRequestData.FetchTopic
            {
                Topic = RaftMessages.MetadataTopicName,
                TopicId = RaftMessages.MetadataTopicId,
                Partitions =
                [
                    new FetchRequestData.FetchPartition
                    {
                        Partition = RaftMessages.MetadataPartition,
                        CurrentLeaderEpoch = epoch,
                        FetchOffset = fetchOffset,
                        LastFetchedEpoch = lastFetchedEpoch,
                        PartitionMaxBytes = maxBytes,
                    },
                ],
            },
        ],
    };

    public static FetchSnapshotRequestData FetchSnapshot(string clusterId, int replicaId, int epoch, OffsetAndEpoch snapshotId, long position, int maxBytes) => new()
    {
        ClusterId = clusterId,
        ReplicaId = replicaId,
        MaxBytes = maxBytes,
        Topics =
        [
            new FetchSnapshotRequestData.TopicSnapshot
            {
                Name = RaftMessages.MetadataTopicName,
                Partitions =
                [
                    new FetchSnapshotRequestData.PartitionSnapshot
                    {
                        Partition = RaftMessages.MetadataPartition,
                        CurrentLeaderEpoch = epoch,
                        SnapshotId = new FetchSnapshotRequestData.SnapshotId { EndOffset = snapshotId.Offset, Epoch = snapshotId.Epoch },
                        Position = position,
                    },
                ],
            },
        ],
    };
}
