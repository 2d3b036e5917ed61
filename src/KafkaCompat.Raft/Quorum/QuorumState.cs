namespace KafkaCompat.Raft;

/// <summary>
/// The local replica's place in the quorum and the only place it changes (Kafka's QuorumState).
/// Every transition that changes what must survive a restart (the epoch, the vote cast in it, the
/// leader acknowledged) is written to the quorum-state file before it takes effect, so a replica
/// that votes and crashes cannot vote again in that epoch. Prospective and Resigned change nothing
/// durable and are not written. Allowed transitions:
/// <code>
/// Unattached  -> Prospective (election timeout), Unattached (higher epoch, or its vote), Follower
/// Prospective -> Candidate (pre-vote won), Unattached/Follower (lost, timed out, higher epoch), Prospective+vote
/// Candidate   -> Leader (vote won), Prospective (after backoff), Unattached/Follower (higher epoch or a leader)
/// Leader      -> Resigned, Unattached/Follower (higher epoch)
/// Follower    -> Prospective (fetch timeout, a voter), Unattached/Follower (higher epoch)
/// Resigned    -> Unattached/Follower (higher epoch), Candidate's epoch through Prospective (election timeout)
/// </code>
/// Static quorum only (kraft.version 0): the voters are controller.quorum.voters.
/// </summary>
internal sealed class QuorumState(int localId, IReadOnlyDictionary<int, RaftEndpoint> voters, IQuorumStateStore store, QuorumConfig config, Random random)
{
    private const short KRaftVersion = 0;

    private EpochState? _state;

    public int LocalId { get; } = localId;

    public IReadOnlyDictionary<int, RaftEndpoint> Voters { get; } = voters;

    public EpochState State => _state ?? throw new InvalidOperationException("The quorum state is not initialized.");

    public int Epoch => State.Epoch;

    public bool IsVoter => Voters.ContainsKey(LocalId);

    public bool IsObserver => !IsVoter;

    public bool IsOnlyVoter => Voters.Count == 1 && IsVoter;

    public bool IsVoterId(int id) => Voters.ContainsKey(id);

    public int? LeaderId => State.Election.LeaderId;

    public int LeaderIdOrNil => LeaderId ?? ReplicaKey.NoId;

    public bool HasLeader => LeaderId is not null;

    public ReplicaKey? VotedKey => State.Election.VotedKey;

    public LeaderAndEpoch LeaderAndEpoch => new(LeaderId, Epoch);

    public bool IsLeader => _state is LeaderState;

    public bool IsFollower => _state is FollowerState;

    public bool IsCandidate => _state is CandidateState;

    public bool IsProspective => _state is ProspectiveState;

    public bool IsUnattached => _state is UnattachedState;

    public bool IsResigned => _state is ResignedState;

    public bool IsUnattachedNotVoted => _state is UnattachedState { VotedKey: null };

    public bool IsProspectiveNotVoted => _state is ProspectiveState { VotedKey: null };

    public LeaderState LeaderStateOrThrow() => StateOrThrow<LeaderState>();

    public FollowerState FollowerStateOrThrow() => StateOrThrow<FollowerState>();

    public CandidateState CandidateStateOrThrow() => StateOrThrow<CandidateState>();

    public ProspectiveState ProspectiveStateOrThrow() => StateOrThrow<ProspectiveState>();

    public UnattachedState UnattachedStateOrThrow() => StateOrThrow<UnattachedState>();

    public ResignedState ResignedStateOrThrow() => StateOrThrow<ResignedState>();

    /// <summary>
    /// Resumes from the quorum-state file and the log: a former leader comes back Resigned in its
    /// epoch (it may have lost unflushed records, so it must not lead that epoch again, and must not
    /// vote in it); a former candidate comes back a candidate of its epoch (it voted for itself);
    /// a follower follows the leader it had; a log whose last epoch is newer than the file wins.
    /// </summary>
    public void Initialize(OffsetAndEpoch logEndOffsetAndEpoch, long nowMs)
    {
        var election = store.ReadElectionState() ?? ElectionState.WithUnknownLeader(0);
        EpochState initial;
        if (election.Epoch < logEndOffsetAndEpoch.Epoch)
        {
            initial = new UnattachedState(logEndOffsetAndEpoch.Epoch, null, null, nowMs, ElectionTimeoutOrNever());
        }
        else if (election.LeaderId == LocalId && IsVoter)
        {
            initial = new ResignedState(LocalId, election.Epoch, Voters.Keys, [], nowMs, RandomElectionTimeoutMs());
        }
        else if (election.VotedKey?.Id == LocalId && election.LeaderId is null && IsVoter)
        {
            initial = new CandidateState(LocalId, election.Epoch, Voters.Keys, 1, nowMs, RandomElectionTimeoutMs());
        }
        else if (election.LeaderId is { } leaderId && leaderId != LocalId && Voters.TryGetValue(leaderId, out var endpoint))
        {
            initial = new FollowerState(election.Epoch, leaderId, endpoint, election.VotedKey, nowMs, config.FetchTimeoutMs);
        }
        else
        {
            initial = new UnattachedState(election.Epoch, election.LeaderId, election.VotedKey, nowMs, ElectionTimeoutOrNever());
        }
        DurableTransitionTo(initial);
    }

    /// <summary>Leaves a leader's epoch without ending it (graceful shutdown, Resign, a lost quorum).</summary>
    public void TransitionToResigned(IReadOnlyList<ReplicaKey> preferredSuccessors, long nowMs)
    {
        var leader = LeaderStateOrThrow();
        MemoryTransitionTo(new ResignedState(LocalId, leader.Epoch, Voters.Keys, preferredSuccessors, nowMs, RandomElectionTimeoutMs()));
    }

    /// <summary>
    /// A higher epoch without a known leader, or (from Prospective) the same epoch after a lost
    /// pre-vote, keeping the vote already cast in it. The election timer carries over where it
    /// still runs, so that learning of a new epoch does not postpone this voter's own candidacy.
    /// </summary>
    public void TransitionToUnattached(int epoch, int? leaderId, long nowMs)
    {
        var current = State;
        if (epoch < current.Epoch || (epoch == current.Epoch && current is not ProspectiveState))
        {
            throw new InvalidOperationException($"Cannot transition to Unattached in epoch {epoch} from {current}.");
        }
        long electionTimeoutMs = current switch
        {
            _ when IsObserver => long.MaxValue,
            CandidateState candidate => candidate.RemainingElectionTimeMs(nowMs),
            UnattachedState unattached => unattached.RemainingElectionTimeMs(nowMs),
            ProspectiveState prospective when !prospective.EpochElection.IsVoteRejected => prospective.RemainingElectionTimeMs(nowMs),
            ResignedState resigned => resigned.RemainingElectionTimeMs(nowMs),
            _ => RandomElectionTimeoutMs(),
        };
        var votedKey = epoch == current.Epoch ? VotedKey : null;
        DurableTransitionTo(new UnattachedState(epoch, leaderId, votedKey, nowMs, electionTimeoutMs));
    }

    /// <summary>Grants this epoch's vote as Unattached; the election timer restarts, since the candidate voted for is at least as likely to win as this replica.</summary>
    public void UnattachedAddVotedState(int epoch, ReplicaKey candidate, long nowMs)
    {
        if (candidate.Id == LocalId || epoch != Epoch || !IsUnattachedNotVoted)
        {
            throw new InvalidOperationException($"Cannot vote for {candidate} in epoch {epoch} from {State}.");
        }
        var unattached = UnattachedStateOrThrow();
        DurableTransitionTo(new UnattachedState(epoch, unattached.LeaderId, candidate, nowMs, RandomElectionTimeoutMs()));
    }

    /// <summary>Grants this epoch's vote as Prospective (its own pre-vote goes on).</summary>
    public void ProspectiveAddVotedState(int epoch, ReplicaKey candidate, long nowMs)
    {
        if (candidate.Id == LocalId || epoch != Epoch || !IsProspectiveNotVoted)
        {
            throw new InvalidOperationException($"Cannot vote for {candidate} in epoch {epoch} from {State}.");
        }
        var prospective = ProspectiveStateOrThrow();
        DurableTransitionTo(new ProspectiveState(LocalId, epoch, prospective.LeaderId, prospective.LeaderEndpoint, candidate, Voters.Keys, prospective.Retries, nowMs, RandomElectionTimeoutMs()));
    }

    /// <summary>Follows <paramref name="leaderId"/> in <paramref name="epoch"/>; a vote cast in the same epoch is kept.</summary>
    public void TransitionToFollower(int epoch, int leaderId, RaftEndpoint? endpoint, long nowMs)
    {
        var current = State;
        if (leaderId == LocalId || epoch < current.Epoch || (epoch == current.Epoch && current is FollowerState or LeaderState))
        {
            throw new InvalidOperationException($"Cannot follow {leaderId} in epoch {epoch} from {current}.");
        }
        var votedKey = epoch == current.Epoch ? VotedKey : null;
        DurableTransitionTo(new FollowerState(epoch, leaderId, endpoint, votedKey, nowMs, config.FetchTimeoutMs));
    }

    /// <summary>Asks for pre-votes (KIP-996) in the current epoch; nothing durable changes.</summary>
    public void TransitionToProspective(long nowMs)
    {
        var current = State;
        if (IsObserver || current is LeaderState or ProspectiveState)
        {
            throw new InvalidOperationException($"Cannot transition to Prospective from {current}.");
        }
        var retries = current is CandidateState candidate ? candidate.Retries + 1 : 1;
        // A restarted leader (Resigned) that stands again no longer leads: it must not fall back to following itself.
        var leaderId = LeaderId == LocalId ? null : LeaderId;
        MemoryTransitionTo(new ProspectiveState(LocalId, current.Epoch, leaderId, current.LeaderEndpoint, VotedKey, Voters.Keys, retries, nowMs, RandomElectionTimeoutMs()));
    }

    /// <summary>Stands in the next epoch, voting for itself (persisted before any Vote is sent). Only a Prospective that won its pre-vote does.</summary>
    public void TransitionToCandidate(long nowMs)
    {
        var prospective = StateOrThrow<ProspectiveState>();
        DurableTransitionTo(new CandidateState(LocalId, prospective.Epoch + 1, Voters.Keys, prospective.Retries, nowMs, RandomElectionTimeoutMs()));
    }

    /// <summary>Leads the candidate's epoch from <paramref name="epochStartOffset"/> (the log end, where its LeaderChange record goes).</summary>
    public LeaderState TransitionToLeader(long epochStartOffset, BatchAccumulator accumulator, long nowMs)
    {
        var candidate = CandidateStateOrThrow();
        if (!candidate.EpochElection.IsVoteGranted)
        {
            throw new InvalidOperationException("Cannot become leader without a majority of votes.");
        }
        var leader = new LeaderState(LocalId, candidate.Epoch, epochStartOffset, Voters.Keys, candidate.EpochElection.GrantingVoters, accumulator, nowMs, config.FetchTimeoutMs);
        DurableTransitionTo(leader);
        return leader;
    }

    public bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote) => State.CanGrantVote(candidate, isLogUpToDate, isPreVote);

    /// <summary>election.timeout.ms plus a random part below it, so that voters time out at different moments.</summary>
    public long RandomElectionTimeoutMs() =>
        config.ElectionTimeoutMs == 0 ? 0 : config.ElectionTimeoutMs + random.Next(config.ElectionTimeoutMs);

    /// <summary>An observer never stands.</summary>
    private long ElectionTimeoutOrNever() => IsObserver ? long.MaxValue : RandomElectionTimeoutMs();

    private void DurableTransitionTo(EpochState next)
    {
        store.WriteElectionState(next.Election, KRaftVersion);
        MemoryTransitionTo(next);
    }

    private void MemoryTransitionTo(EpochState next)
    {
        if (_state is { } previous && !ReferenceEquals(previous, next))
        {
            Close(previous);
        }
        _state = next;
    }

    private static void Close(EpochState state)
    {
        switch (state)
        {
            case FollowerState follower:
                follower.Close();
                break;
            case LeaderState leader:
                leader.Accumulator.Close();
                break;
        }
    }

    private T StateOrThrow<T>() where T : EpochState =>
        _state as T ?? throw new InvalidOperationException($"Expected to be {typeof(T).Name}, but the state is {_state}.");
}
