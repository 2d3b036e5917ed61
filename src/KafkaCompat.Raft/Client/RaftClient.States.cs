using KafkaCompat.Protocol;

namespace KafkaCompat.Raft;

/// <summary>What each state does when polled: its timers and the requests it keeps sending (Kafka's poll* methods).</summary>
public sealed partial class RaftClient
{
    private long PollCurrentState(long nowMs) => _quorum.State switch
    {
        LeaderState leader => PollLeader(leader, nowMs),
        CandidateState candidate => PollCandidate(candidate, nowMs),
        ProspectiveState prospective => PollProspective(prospective, nowMs),
        FollowerState follower => PollFollower(follower, nowMs),
        UnattachedState unattached => PollUnattached(unattached, nowMs),
        ResignedState resigned => PollResigned(resigned, nowMs),
        var state => throw new InvalidOperationException($"Unexpected state {state}."),
    };

    private long PollLeader(LeaderState leader, long nowMs)
    {
        MaybeFireLeaderChange();
        var timeUntilCheckQuorumExpires = leader.TimeUntilCheckQuorumExpires(nowMs);
        if (_shutdown is not null || leader.IsResignRequested || Volatile.Read(ref _resignEpoch) == leader.Epoch || timeUntilCheckQuorumExpires == 0)
        {
            TransitionToResigned(leader.NonLeaderVotersByDescendingFetchOffset(), nowMs);
            return 0;
        }
        var timeUntilFlush = MaybeAppendBatches(leader, nowMs);
        var timeUntilBeginQuorumEpoch = MaybeSendBeginQuorumEpochRequests(leader, nowMs);
        return Math.Min(timeUntilFlush, Math.Min(timeUntilBeginQuorumEpoch, timeUntilCheckQuorumExpires));
    }

    /// <summary>Appends the gathered batches once their linger time is over, then flushes once for all of them.</summary>
    private long MaybeAppendBatches(LeaderState leader, long nowMs)
    {
        if (leader.Accumulator.TimeUntilDrain(nowMs) == 0 && leader.Accumulator.Drain() is { } batches)
        {
            _log.AppendAsLeader(batches, leader.Epoch);
            FlushLeaderLog(leader, nowMs);
        }
        return leader.Accumulator.TimeUntilDrain(nowMs);
    }

    /// <summary>
    /// Only flushed records count toward the leader's own end offset: a record the leader could still
    /// lose in a crash must not be counted as one of the majority's copies.
    /// </summary>
    private void FlushLeaderLog(LeaderState leader, long nowMs)
    {
        _log.Flush();
        if (leader.UpdateLocalState(_log.LastFlushedOffset))
        {
            OnUpdateLeaderHighWatermark(leader, nowMs);
        }
        CompletePendingFetches(nowMs, highWatermarkMoved: false);
    }

    private void OnUpdateLeaderHighWatermark(LeaderState leader, long nowMs)
    {
        if (leader.HighWatermark is { } highWatermark)
        {
            _log.UpdateHighWatermark(highWatermark);
            CompletePendingFetches(nowMs, highWatermarkMoved: true);
        }
    }

    private long MaybeSendBeginQuorumEpochRequests(LeaderState leader, long nowMs)
    {
        var timeUntilSend = leader.TimeUntilBeginQuorumEpochTimerExpires(nowMs);
        if (timeUntilSend == 0)
        {
            timeUntilSend = MaybeSendRequests(nowMs, leader.RemoteVoters, BuildBeginQuorumEpochRequest);
            leader.ResetBeginQuorumEpochTimer(nowMs);
        }
        return timeUntilSend;
    }

    private long PollCandidate(CandidateState candidate, long nowMs)
    {
        if (_shutdown is not null)
        {
            // A candidate going down finishes its election (then resigns) or sees another leader.
            return MaybeSendVoteRequests(candidate.EpochElection, preVote: false, nowMs);
        }
        if (candidate.IsBackingOff)
        {
            if (candidate.IsBackoffComplete(nowMs))
            {
                TransitionToProspective(nowMs);
                return 0;
            }
            return candidate.RemainingBackoffMs(nowMs);
        }
        if (candidate.HasElectionTimeoutExpired(nowMs))
        {
            var backoffMs = BinaryExponentialElectionBackoffMs(candidate.Retries);
            candidate.StartBackingOff(nowMs, backoffMs);
            return backoffMs;
        }
        var requestBackoffMs = MaybeSendVoteRequests(candidate.EpochElection, preVote: false, nowMs);
        return Math.Min(requestBackoffMs, candidate.RemainingElectionTimeMs(nowMs));
    }

    private long PollProspective(ProspectiveState prospective, long nowMs)
    {
        if (_shutdown is not null)
        {
            return MaybeSendVoteRequests(prospective.EpochElection, preVote: true, nowMs);
        }
        if (prospective.EpochElection.IsVoteRejected || prospective.HasElectionTimeoutExpired(nowMs))
        {
            ProspectiveTransitionAfterElectionLoss(prospective, nowMs);
            return 0;
        }
        var requestBackoffMs = MaybeSendVoteRequests(prospective.EpochElection, preVote: true, nowMs);
        return Math.Min(requestBackoffMs, prospective.RemainingElectionTimeMs(nowMs));
    }

    /// <summary>Votes are asked only of voters that have not answered, and only while the election can still be won.</summary>
    private long MaybeSendVoteRequests(EpochElection election, bool preVote, long nowMs) =>
        election.IsVoteRejected ? long.MaxValue : MaybeSendRequests(nowMs, election.UnrecordedVoters, _ => BuildVoteRequest(preVote));

    private long PollFollower(FollowerState follower, long nowMs)
    {
        if (_quorum.IsVoter)
        {
            if (_shutdown is not null)
            {
                return 0;
            }
            if (follower.HasFetchTimeoutExpired(nowMs))
            {
                TransitionToProspective(nowMs);
                return 0;
            }
            var backoffMs = MaybeSendFetchToBestNode(follower, nowMs);
            return Math.Min(backoffMs, follower.RemainingFetchTimeMs(nowMs));
        }
        // An observer whose leader went quiet asks the voters who leads now.
        return follower.HasFetchTimeoutExpired(nowMs) ? MaybeSendFetchToAnyVoter(nowMs) : MaybeSendFetchToBestNode(follower, nowMs);
    }

    /// <summary>To the leader; to any voter once a request to the leader has timed out, to find out whether leadership moved.</summary>
    private long MaybeSendFetchToBestNode(FollowerState follower, long nowMs)
    {
        if (_requestManager.HasRequestTimedOut(follower.LeaderId, nowMs))
        {
            _requestManager.Reset(follower.LeaderId);
            return MaybeSendFetchToAnyVoter(nowMs);
        }
        return MaybeSendRequest(nowMs, follower.LeaderId, () => follower.FetchingSnapshot is { } snapshot
            ? BuildFetchSnapshotRequest(snapshot.SnapshotId, snapshot.SizeInBytes)
            : BuildFetchRequest());
    }

    private long MaybeSendFetchToAnyVoter(long nowMs)
    {
        var candidates = _voterIds.Where(id => id != NodeId).ToList();
        return _requestManager.FindReadyServer(candidates, nowMs, ref _bootstrapCursor) is { } destination
            ? MaybeSendRequest(nowMs, destination, BuildFetchRequest)
            : _requestManager.BackoffBeforeAvailableServer(candidates, nowMs);
    }

    private long PollUnattached(UnattachedState unattached, long nowMs)
    {
        if (_quorum.IsVoter)
        {
            if (_shutdown is { } shutdown)
            {
                // Stays until the shutdown ends or a new epoch moves it.
                return shutdown.DeadlineMs - nowMs;
            }
            if (unattached.HasElectionTimeoutExpired(nowMs))
            {
                TransitionToProspective(nowMs);
                return 0;
            }
            return unattached.RemainingElectionTimeMs(nowMs);
        }
        return MaybeSendFetchToAnyVoter(nowMs);
    }

    private long PollResigned(ResignedState resigned, long nowMs)
    {
        var endQuorumBackoffMs = MaybeSendRequests(nowMs, resigned.UnackedVoters, _ => BuildEndQuorumEpochRequest(resigned));
        long stateTimeoutMs;
        if (_shutdown is { } shutdown)
        {
            // Stays resigned until another leader is elected or the shutdown times out.
            stateTimeoutMs = shutdown.DeadlineMs - nowMs;
        }
        else if (resigned.HasElectionTimeoutExpired(nowMs))
        {
            // Its own epoch is over: it waits out the next one as Unattached (whose timer, carried
            // over, has run out, so a voter asks for pre-votes at once). It cannot stand from here:
            // it still names itself leader of its epoch.
            TransitionToUnattached(_quorum.Epoch + 1, null, nowMs);
            stateTimeoutMs = 0;
        }
        else
        {
            stateTimeoutMs = resigned.RemainingElectionTimeMs(nowMs);
        }
        return Math.Min(stateTimeoutMs, endQuorumBackoffMs);
    }

    /// <summary>
    /// A random backoff whose range doubles with each lost election (retry backoff base 100 ms),
    /// capped at controller.quorum.election.backoff.max.ms: voters that split the vote drift apart.
    /// </summary>
    private long BinaryExponentialElectionBackoffMs(int retries)
    {
        if (retries <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retries), retries, "Retries start at one.");
        }
        var range = 2 << Math.Min(20, retries - 1);
        return Math.Min((long)RetryBackoffBaseMs * _random.Next(range), _config.ElectionBackoffMaxMs);
    }

    /// <summary>
    /// How long a follower told by its resigning leader waits before standing: nothing for the first
    /// preferred successor, then exponentially more by place (Kafka's strict exponential backoff),
    /// the most for a voter not named.
    /// </summary>
    private long EndEpochElectionBackoff(IReadOnlyList<ReplicaKey> preferredCandidates)
    {
        var position = 0;
        foreach (var candidate in preferredCandidates)
        {
            if (candidate.Id == NodeId)
            {
                break;
            }
            position++;
        }
        var max = _config.ElectionBackoffMaxMs;
        if (position == 0)
        {
            return 0;
        }
        if (position >= preferredCandidates.Count)
        {
            return max;
        }
        var baseMs = max >> (preferredCandidates.Count - 1);
        return Math.Min(max, (long)baseMs << (position - 1));
    }

    private IApiMessage BuildVoteRequest(bool preVote) => RaftRequests.Vote(_clusterId, NodeId, preVote ? _quorum.Epoch + 1 : _quorum.Epoch, _log.LastFetchedEpoch, _log.EndOffset, preVote);

    private IApiMessage BuildBeginQuorumEpochRequest(int voterId) => RaftRequests.BeginQuorumEpoch(_clusterId, voterId, _quorum.Epoch, NodeId);

    private IApiMessage BuildEndQuorumEpochRequest(ResignedState resigned) => RaftRequests.EndQuorumEpoch(_clusterId, _quorum.Epoch, NodeId, resigned.PreferredSuccessors);

    private IApiMessage BuildFetchRequest() => RaftRequests.Fetch(_clusterId, NodeId, _quorum.Epoch, _log.EndOffset, _log.LastFetchedEpoch, FetchMaxWaitMs, MaxFetchSizeBytes);

    private IApiMessage BuildFetchSnapshotRequest(OffsetAndEpoch snapshotId, long position) => RaftRequests.FetchSnapshot(_clusterId, NodeId, _quorum.Epoch, snapshotId, position, MaxFetchSizeBytes);
}
