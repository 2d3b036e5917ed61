using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// BeginQuorumEpoch 0-1 (a new leader announces itself to the voters) and EndQuorumEpoch 0-1 (a
/// resigning leader tells the voters, with its preferred successors so the most caught-up voter
/// stands first instead of everyone waiting out a fetch timeout).
/// </summary>
public sealed partial class RaftClient
{
    private BeginQuorumEpochResponseData HandleBeginQuorumEpochRequest(BeginQuorumEpochRequestData request, short apiVersion, long nowMs)
    {
        if (!HasValidClusterId(request.ClusterId))
        {
            return new BeginQuorumEpochResponseData { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (!RaftMessages.IsSingletonMetadataPartition(request.Topics, t => t.TopicName == RaftMessages.MetadataTopicName, t => t.Partitions, p => p.PartitionIndex))
        {
            return new BeginQuorumEpochResponseData { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var partition = request.Topics[0].Partitions[0];
        var error = ValidateVoterOnlyRequest(partition.LeaderId, partition.LeaderEpoch);
        if (error != ErrorCode.None)
        {
            return RaftMessages.BeginQuorumEpochResponse(error, _quorum.Epoch, _quorum.LeaderIdOrNil);
        }
        MaybeTransition(partition.LeaderId, partition.LeaderEpoch, nowMs);
        if (apiVersion >= 1 && request.VoterId >= 0 && request.VoterId != NodeId)
        {
            return RaftMessages.BeginQuorumEpochResponse(ErrorCode.InvalidVoterKey, _quorum.Epoch, _quorum.LeaderIdOrNil);
        }
        return RaftMessages.BeginQuorumEpochResponse(ErrorCode.None, _quorum.Epoch, _quorum.LeaderIdOrNil);
    }

    private bool HandleBeginQuorumEpochResponse(BeginQuorumEpochResponseData response, int sourceId, long nowMs)
    {
        var isSingleton = RaftMessages.IsSingletonMetadataPartition(response.Topics, t => t.TopicName == RaftMessages.MetadataTopicName, t => t.Partitions, p => p.PartitionIndex);
        if (HandleCommonResponse((ErrorCode)response.ErrorCode, isSingleton, () => response.Topics[0].Partitions[0] is var p ? ((ErrorCode)p.ErrorCode, p.LeaderId, p.LeaderEpoch) : default, nowMs) is { } outcome)
        {
            return outcome;
        }
        return true;
    }

    private EndQuorumEpochResponseData HandleEndQuorumEpochRequest(EndQuorumEpochRequestData request, short apiVersion, long nowMs)
    {
        if (!HasValidClusterId(request.ClusterId))
        {
            return new EndQuorumEpochResponseData { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (!RaftMessages.IsSingletonMetadataPartition(request.Topics, t => t.TopicName == RaftMessages.MetadataTopicName, t => t.Partitions, p => p.PartitionIndex))
        {
            return new EndQuorumEpochResponseData { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var partition = request.Topics[0].Partitions[0];
        var error = ValidateVoterOnlyRequest(partition.LeaderId, partition.LeaderEpoch);
        if (error != ErrorCode.None)
        {
            return RaftMessages.EndQuorumEpochResponse(error, _quorum.Epoch, _quorum.LeaderIdOrNil);
        }
        MaybeTransition(partition.LeaderId, partition.LeaderEpoch, nowMs);
        if (_quorum.State is FollowerState follower && follower.LeaderId == partition.LeaderId)
        {
            IReadOnlyList<ReplicaKey> preferred = apiVersion >= 1
                ? [.. partition.PreferredCandidates.Select(c => ReplicaKey.Of(c.CandidateId))]
                : [.. partition.PreferredSuccessors.Select(ReplicaKey.Of)];
            follower.OverrideFetchTimeout(nowMs, EndEpochElectionBackoff(preferred));
        }
        return RaftMessages.EndQuorumEpochResponse(ErrorCode.None, _quorum.Epoch, _quorum.LeaderIdOrNil);
    }

    private bool HandleEndQuorumEpochResponse(EndQuorumEpochResponseData response, int sourceId, long nowMs)
    {
        var isSingleton = RaftMessages.IsSingletonMetadataPartition(response.Topics, t => t.TopicName == RaftMessages.MetadataTopicName, t => t.Partitions, p => p.PartitionIndex);
        if (HandleCommonResponse((ErrorCode)response.ErrorCode, isSingleton, () => response.Topics[0].Partitions[0] is var p ? ((ErrorCode)p.ErrorCode, p.LeaderId, p.LeaderEpoch) : default, nowMs) is { } outcome)
        {
            return outcome;
        }
        if (_quorum.State is ResignedState resigned)
        {
            resigned.AcknowledgeResignation(sourceId);
        }
        return true;
    }

    /// <summary>AddRaftVoter, RemoveRaftVoter, UpdateRaftVoter: a static quorum (kraft.version 0) cannot change its voters, and Kafka says so with UNSUPPORTED_VERSION.</summary>
    private IApiMessage HandleVoterChangeRequest(IApiMessage request)
    {
        const string message = "The cluster's kraft.version is 0: its voters are static (controller.quorum.voters) and cannot be changed.";
        return request switch
        {
            AddRaftVoterRequestData add when !HasValidClusterId(add.ClusterId) => new AddRaftVoterResponseData { ErrorCode = (short)ErrorCode.InconsistentClusterId },
            AddRaftVoterRequestData => new AddRaftVoterResponseData { ErrorCode = (short)VoterChangeError(), ErrorMessage = message },
            RemoveRaftVoterRequestData remove when !HasValidClusterId(remove.ClusterId) => new RemoveRaftVoterResponseData { ErrorCode = (short)ErrorCode.InconsistentClusterId },
            RemoveRaftVoterRequestData => new RemoveRaftVoterResponseData { ErrorCode = (short)VoterChangeError(), ErrorMessage = message },
            UpdateRaftVoterRequestData update => new UpdateRaftVoterResponseData
            {
                ErrorCode = (short)(HasValidClusterId(update.ClusterId) ? VoterChangeError(update.CurrentLeaderEpoch) : ErrorCode.InconsistentClusterId),
                CurrentLeader = new UpdateRaftVoterResponseData.CurrentLeaderData { LeaderId = _quorum.LeaderIdOrNil, LeaderEpoch = _quorum.Epoch },
            },
            _ => throw new ArgumentException($"The Raft client does not serve {request.ApiKey}.", nameof(request)),
        };
    }

    /// <summary>As Kafka: the leader checks come first (another replica answers NOT_LEADER_OR_FOLLOWER), then the kraft.version.</summary>
    private ErrorCode VoterChangeError(int? requestEpoch = null) =>
        ValidateLeaderOnlyRequest(requestEpoch ?? _quorum.Epoch) is var error && error != ErrorCode.None ? error : ErrorCode.UnsupportedVersion;
}
