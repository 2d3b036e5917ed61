using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// DescribeQuorum 0-2 (KIP-595, KIP-836, KIP-853), answered by the leader alone: the epoch, the
/// high watermark, each voter's and observer's log end offset with its last fetch and last
/// caught-up times (what <c>kafka-metadata-quorum describe --replication</c> prints as lag), and
/// from v2 the voters' endpoints. Every other replica answers NOT_LEADER_OR_FOLLOWER.
/// </summary>
public sealed partial class RaftClient
{
    private DescribeQuorumResponseData HandleDescribeQuorumRequest(DescribeQuorumRequestData request, long nowMs)
    {
        if (!RaftMessages.IsSingletonMetadataPartition(request.Topics, t => t.TopicName == RaftMessages.MetadataTopicName, t => t.Partitions, p => p.PartitionIndex))
        {
            return new DescribeQuorumResponseData
            {
                Topics =
                [
                    .. request.Topics.Select(t => new DescribeQuorumResponseData.TopicData
                    {
                        TopicName = t.TopicName,
                        Partitions = [.. t.Partitions.Select(p => new DescribeQuorumResponseData.PartitionData { PartitionIndex = p.PartitionIndex, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition })],
                    }),
                ],
            };
        }
        if (_quorum.State is not LeaderState leader)
        {
            return DescribeQuorumPartition(new DescribeQuorumResponseData.PartitionData
            {
                PartitionIndex = RaftMessages.MetadataPartition,
                ErrorCode = (short)ErrorCode.NotLeaderOrFollower,
                ErrorMessage = ErrorCode.NotLeaderOrFollower.KafkaName(),
            });
        }
        var response = DescribeQuorumPartition(new DescribeQuorumResponseData.PartitionData
        {
            PartitionIndex = RaftMessages.MetadataPartition,
            LeaderId = NodeId,
            LeaderEpoch = leader.Epoch,
            HighWatermark = leader.HighWatermark ?? -1,
            CurrentVoters = [.. leader.VoterStates.OrderBy(v => v.Key.Id).Select(v => DescribeReplica(v, nowMs))],
            Observers = [.. leader.ObserverStates.OrderBy(v => v.Key.Id).Select(v => DescribeReplica(v, nowMs))],
        });
        foreach (var (id, endpoint) in _config.Voters.OrderBy(v => v.Key))
        {
            var node = new DescribeQuorumResponseData.Node { NodeId = id };
            node.Listeners.Add(new DescribeQuorumResponseData.Listener { Name = ListenerName, Host = endpoint.Host, Port = (ushort)endpoint.Port });
            response.Nodes.Add(node);
        }
        return response;
    }

    /// <summary>The leader reports itself as fetched and caught up now.</summary>
    private DescribeQuorumResponseData.ReplicaState DescribeReplica(ReplicaProgress replica, long nowMs)
    {
        var isLeader = replica.Key.Id == NodeId;
        return new DescribeQuorumResponseData.ReplicaState
        {
            ReplicaId = replica.Key.Id,
            ReplicaDirectoryId = replica.Key.DirectoryId ?? Uuid.Zero,
            LogEndOffset = replica.EndOffset ?? -1,
            LastFetchTimestamp = isLeader ? nowMs : replica.LastFetchTimestamp,
            LastCaughtUpTimestamp = isLeader ? nowMs : replica.LastCaughtUpTimestamp,
        };
    }

    private static DescribeQuorumResponseData DescribeQuorumPartition(DescribeQuorumResponseData.PartitionData partition) => new()
    {
        Topics = [new DescribeQuorumResponseData.TopicData { TopicName = RaftMessages.MetadataTopicName, Partitions = [partition] }],
    };
}
