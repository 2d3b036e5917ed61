using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Raft;

/// <summary>The client's side of QuorumState's transitions: what each one starts or stops (connections, appends, held fetches, the new leader's LeaderChange record).</summary>
public sealed partial class RaftClient
{
    /// <summary>
    /// The leader, or the epoch, named by a request or response (Kafka's maybeTransition): a later
    /// epoch is followed (or waited out, without a leader), a leader newly named in our epoch is
    /// followed. A message that names another leader for an epoch whose leader we know means two
    /// leaders in one epoch: a broken invariant, not an input error.
    /// </summary>
    private void MaybeTransition(int? leaderId, int epoch, long nowMs)
    {
        if (!HasConsistentLeader(epoch, leaderId))
        {
            throw new InvalidOperationException($"Leader {leaderId} in epoch {epoch} is inconsistent with the current leader {_quorum.LeaderId} in epoch {_quorum.Epoch}.");
        }
        if (epoch > _quorum.Epoch)
        {
            if (leaderId is { } leader)
            {
                TransitionToFollower(epoch, leader, nowMs);
            }
            else
            {
                TransitionToUnattached(epoch, null, nowMs);
            }
        }
        else if (leaderId is { } leader && !_quorum.HasLeader)
        {
            TransitionToFollower(epoch, leader, nowMs);
        }
    }

    private bool HasConsistentLeader(int epoch, int? leaderId)
    {
        if (leaderId == NodeId)
        {
            return _quorum.IsLeader && epoch == _quorum.Epoch;
        }
        return epoch != _quorum.Epoch || leaderId is null || !_quorum.HasLeader || leaderId == _quorum.LeaderId;
    }

    private void TransitionToUnattached(int epoch, int? leaderId, long nowMs)
    {
        _quorum.TransitionToUnattached(epoch, leaderId, nowMs);
        OnTransition(nowMs);
    }

    private void TransitionToFollower(int epoch, int leaderId, long nowMs)
    {
        var endpoint = _config.Voters.GetValueOrDefault(leaderId);
        _quorum.TransitionToFollower(epoch, leaderId, endpoint, nowMs);
        OnTransition(nowMs);
    }

    /// <summary>Stands through a pre-vote (KIP-996); a lone voter wins it, and the election after it, at once.</summary>
    private void TransitionToProspective(long nowMs)
    {
        _quorum.TransitionToProspective(nowMs);
        OnTransition(nowMs);
        MaybeTransitionToCandidate(_quorum.ProspectiveStateOrThrow(), nowMs);
    }

    private void MaybeTransitionToCandidate(ProspectiveState prospective, long nowMs)
    {
        if (prospective.EpochElection.IsVoteGranted)
        {
            _quorum.TransitionToCandidate(nowMs);
            OnTransition(nowMs);
            MaybeTransitionToLeader(_quorum.CandidateStateOrThrow(), nowMs);
        }
    }

    /// <summary>A lost or timed-out pre-vote: back to the leader it knew, if it knows where it is, else Unattached in the same epoch.</summary>
    private void ProspectiveTransitionAfterElectionLoss(ProspectiveState prospective, long nowMs)
    {
        if (prospective.LeaderId is { } leaderId && prospective.LeaderEndpoint is not null)
        {
            TransitionToFollower(prospective.Epoch, leaderId, nowMs);
        }
        else
        {
            TransitionToUnattached(prospective.Epoch, prospective.LeaderId, nowMs);
        }
    }

    private void MaybeTransitionToLeader(CandidateState candidate, long nowMs)
    {
        if (!candidate.EpochElection.IsVoteGranted)
        {
            return;
        }
        var epochStartOffset = _log.EndOffset;
        _log.InitializeLeaderEpoch(candidate.Epoch);
        // The LeaderChange record takes the epoch's first offset; appends follow it.
        var accumulator = new BatchAccumulator(candidate.Epoch, epochStartOffset + 1, _config.AppendLingerMs);
        var leader = _quorum.TransitionToLeader(epochStartOffset, accumulator, nowMs);
        OnTransition(nowMs);
        AppendLeaderChangeMessage(leader, nowMs);
        _logger.LogInformation("Node {Node} leads epoch {Epoch} from offset {Offset}", NodeId, leader.Epoch, epochStartOffset);
    }

    /// <summary>
    /// The first record of every epoch (KIP-595): the new leader, the voters and who voted for it.
    /// Its commitment is what lets the high watermark move in the new epoch.
    /// </summary>
    private void AppendLeaderChangeMessage(LeaderState leader, long nowMs)
    {
        var message = new LeaderChangeMessage
        {
            Version = 0,
            LeaderId = NodeId,
            Voters = [.. _voterIds.Select(id => new LeaderChangeMessage.Voter { VoterId = id })],
            GrantingVoters = [.. leader.GrantingVoters.Order().Select(id => new LeaderChangeMessage.Voter { VoterId = id })],
        };
        using var builder = new RecordBatchBuilder { BaseOffset = leader.EpochStartOffset, PartitionLeaderEpoch = leader.Epoch, IsControl = true };
        builder.Append(nowMs, ControlRecord.CreateKey(ControlRecordType.LeaderChange), message.Serialize(0));
        var append = _log.AppendAsLeader(builder.ToArray(), leader.Epoch);
        if (append.FirstOffset != leader.EpochStartOffset)
        {
            throw new InvalidOperationException($"The LeaderChange record went to offset {append.FirstOffset}, not the epoch start {leader.EpochStartOffset}.");
        }
        FlushLeaderLog(leader, nowMs);
    }

    private void TransitionToResigned(IReadOnlyList<ReplicaKey> preferredSuccessors, long nowMs)
    {
        _quorum.TransitionToResigned(preferredSuccessors, nowMs);
        OnTransition(nowMs);
    }

    /// <summary>After every transition: forget in-flight requests, publish the leader, stop taking appends and answer held fetches when no longer leading.</summary>
    private void OnTransition(long nowMs)
    {
        _requestManager.ResetAll();
        var leader = _quorum.IsLeader ? _quorum.LeaderStateOrThrow() : null;
        _leaderStateForAppends = leader;
        lock (_leaderAndEpochLock)
        {
            _leaderAndEpoch = _quorum.LeaderAndEpoch;
        }
        if (leader is null && _pendingFetches.Count > 0)
        {
            foreach (var pending in _pendingFetches)
            {
                pending.Request.Completion.TrySetResult(EmptyFetchResponse(ErrorCode.NotLeaderOrFollower, null));
            }
            _pendingFetches.Clear();
        }
        if (_quorum.State.LeaderEndpoint is { } endpoint && _quorum.LeaderId is { } leaderId)
        {
            _channel.UpdateEndpoint(leaderId, endpoint);
        }
        _logger.LogInformation("Node {Node} transitioned to {State} at {Time}", NodeId, _quorum.State, nowMs);
    }
}
