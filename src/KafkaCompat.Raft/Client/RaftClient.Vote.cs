using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Raft;

/// <summary>
/// Vote 0-2 (KIP-595; PreVote from v2, KIP-996). A vote is granted only to a candidate whose log is
/// at least as up to date as ours (its last epoch, then its end offset), once per epoch, and the
/// vote is written to the quorum-state file before the answer leaves. A pre-vote is answered by the
/// same rules but changes nothing: no epoch bump, no vote recorded.
/// </summary>
public sealed partial class RaftClient
{
    private VoteResponseData HandleVoteRequest(VoteRequestData request, short apiVersion, long nowMs)
    {
        if (!HasValidClusterId(request.ClusterId))
        {
            return RaftMessages.VoteResponse(ErrorCode.InconsistentClusterId);
        }
        if (!RaftMessages.IsSingletonMetadataPartition(request.Topics, t => t.TopicName == RaftMessages.MetadataTopicName, t => t.Partitions, p => p.PartitionIndex))
        {
            return RaftMessages.VoteResponse(ErrorCode.InvalidRequest);
        }
        var partition = request.Topics[0].Partitions[0];
        var preVote = apiVersion >= 2 && partition.PreVote;
        // A candidate bumped its epoch before asking, so its log cannot hold that epoch yet; a
        // prospective asks for the epoch it would stand in, so the same holds.
        var isIllegalEpoch = preVote ? partition.LastOffsetEpoch > partition.CandidateEpoch : partition.LastOffsetEpoch >= partition.CandidateEpoch;
        if (partition.LastOffset < 0 || partition.LastOffsetEpoch < 0 || isIllegalEpoch)
        {
            return VoteResponse(ErrorCode.InvalidRequest, false);
        }
        var error = ValidateVoterOnlyRequest(partition.CandidateId, partition.CandidateEpoch);
        if (error != ErrorCode.None)
        {
            return VoteResponse(error, false);
        }
        if (!preVote && partition.CandidateEpoch > _quorum.Epoch)
        {
            TransitionToUnattached(partition.CandidateEpoch, null, nowMs);
        }
        if (apiVersion >= 1 && request.VoterId >= 0 && request.VoterId != NodeId)
        {
            // Meant for another replica (KIP-853's voter key).
            return VoteResponse(ErrorCode.InvalidVoterKey, false);
        }
        var candidate = new ReplicaKey(partition.CandidateId, apiVersion >= 1 && partition.CandidateDirectoryId != Uuid.Zero ? partition.CandidateDirectoryId : null);
        var isLogUpToDate = IsAtLeastAsUpToDate(new OffsetAndEpoch(partition.LastOffset, partition.LastOffsetEpoch), LogEndOffsetAndEpoch());
        var granted = _quorum.CanGrantVote(candidate, isLogUpToDate, preVote);
        if (granted && !preVote)
        {
            if (_quorum.IsUnattachedNotVoted)
            {
                _quorum.UnattachedAddVotedState(partition.CandidateEpoch, candidate, nowMs);
                OnTransition(nowMs);
            }
            else if (_quorum.IsProspectiveNotVoted)
            {
                _quorum.ProspectiveAddVotedState(partition.CandidateEpoch, candidate, nowMs);
                OnTransition(nowMs);
            }
        }
        return VoteResponse(ErrorCode.None, granted);
    }

    /// <summary>
    /// Raft's "at least as up to date" (section 5.4.1): the later last epoch wins, then the longer log.
    /// (OffsetAndEpoch's own ordering is by offset first, which suits snapshot ids, not elections.)
    /// </summary>
    private static bool IsAtLeastAsUpToDate(OffsetAndEpoch candidate, OffsetAndEpoch local) =>
        candidate.Epoch != local.Epoch ? candidate.Epoch > local.Epoch : candidate.Offset >= local.Offset;

    /// <summary>The log's end as elections compare it: the epoch of the last record, then the offset after it.</summary>
    private OffsetAndEpoch LogEndOffsetAndEpoch() => new(_log.EndOffset, _log.LastFetchedEpoch);

    private VoteResponseData VoteResponse(ErrorCode partitionError, bool granted) =>
        RaftMessages.VoteResponse(partitionError, _quorum.Epoch, _quorum.LeaderIdOrNil, granted);

    private bool HandleVoteResponse(VoteResponseData response, int sourceId, long nowMs)
    {
        var isSingleton = RaftMessages.IsSingletonMetadataPartition(response.Topics, t => t.TopicName == RaftMessages.MetadataTopicName, t => t.Partitions, p => p.PartitionIndex);
        if (HandleCommonResponse((ErrorCode)response.ErrorCode, isSingleton, () => response.Topics[0].Partitions[0] is var p ? ((ErrorCode)p.ErrorCode, p.LeaderId, p.LeaderEpoch) : default, nowMs) is { } outcome)
        {
            return outcome;
        }
        var partition = response.Topics[0].Partitions[0];
        switch (_quorum.State)
        {
            case ProspectiveState prospective:
                if (partition.VoteGranted)
                {
                    prospective.EpochElection.RecordVote(sourceId, true);
                    MaybeTransitionToCandidate(prospective, nowMs);
                }
                else
                {
                    prospective.EpochElection.RecordVote(sourceId, false);
                    if (prospective.EpochElection.IsVoteRejected)
                    {
                        ProspectiveTransitionAfterElectionLoss(prospective, nowMs);
                    }
                }
                break;
            case CandidateState candidate:
                if (partition.VoteGranted)
                {
                    candidate.EpochElection.RecordVote(sourceId, true);
                    MaybeTransitionToLeader(candidate, nowMs);
                }
                else
                {
                    candidate.EpochElection.RecordVote(sourceId, false);
                    // A lost election backs off at once rather than waiting out the election timeout.
                    if (candidate.EpochElection.IsVoteRejected && !candidate.IsBackingOff)
                    {
                        candidate.StartBackingOff(nowMs, BinaryExponentialElectionBackoffMs(candidate.Retries));
                    }
                }
                break;
        }
        return true;
    }

    /// <summary>
    /// What every response's error and leader say, whatever the API (Kafka's maybeHandleCommonResponse):
    /// an older epoch is ignored; a newer epoch, or a fenced or not-leader error, is a transition; a
    /// leader named in our epoch is followed. Null means the caller handles the response.
    /// </summary>
    private bool? MaybeHandleCommonResponse(ErrorCode error, int? leaderId, int epoch, long nowMs)
    {
        if (epoch < _quorum.Epoch || error == ErrorCode.UnknownLeaderEpoch)
        {
            return true;
        }
        if (epoch > _quorum.Epoch || error is ErrorCode.FencedLeaderEpoch or ErrorCode.NotLeaderOrFollower)
        {
            MaybeTransition(leaderId, epoch, nowMs);
            return true;
        }
        if (leaderId is { } leader && !_quorum.HasLeader)
        {
            TransitionToFollower(epoch, leader, nowMs);
            // Handled here unless it carries data a follower can use at once (Fetch).
            return error == ErrorCode.None ? null : true;
        }
        if (error == ErrorCode.BrokerNotAvailable)
        {
            return false;
        }
        if (error == ErrorCode.InvalidVoterKey)
        {
            return true;
        }
        if (error == ErrorCode.InvalidRequest)
        {
            throw new InvalidOperationException("A Raft request of this replica was refused as invalid.");
        }
        return null;
    }

    /// <summary>
    /// The part of handling a response every API shares: a top-level error, a response for another
    /// partition, then <see cref="MaybeHandleCommonResponse"/> on the partition's error, leader and
    /// epoch. Null means the caller goes on with a partition that has no error.
    /// </summary>
    private bool? HandleCommonResponse(ErrorCode topLevel, bool isSingletonPartition, Func<(ErrorCode Error, int LeaderId, int Epoch)> partition, long nowMs)
    {
        if (topLevel != ErrorCode.None)
        {
            return HandleTopLevelError(topLevel);
        }
        if (!isSingletonPartition)
        {
            return false;
        }
        var (error, leaderId, epoch) = partition();
        if (MaybeHandleCommonResponse(error, OptionalLeaderId(leaderId), epoch, nowMs) is { } handled)
        {
            return handled;
        }
        return error == ErrorCode.None ? null : false;
    }

    private static bool HandleTopLevelError(ErrorCode error)
    {
        if (error == ErrorCode.ClusterAuthorizationFailed)
        {
            throw new UnauthorizedAccessException("The controller listener refused this replica (CLUSTER_AUTHORIZATION_FAILED).");
        }
        return false;
    }

    private static int? OptionalLeaderId(int leaderIdOrNil) => leaderIdOrNil < 0 ? null : leaderIdOrNil;
}
