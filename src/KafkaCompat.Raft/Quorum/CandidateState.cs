namespace KafkaCompat.Raft;

/// <summary>
/// A voter standing for election in a new epoch, having voted for itself (persisted before any
/// Vote leaves, so a restart cannot make it vote for another in the same epoch). A majority of
/// grants makes it Leader. When the vote is lost, or the election times out, it backs off for a
/// random, exponentially growing time (at most election.backoff.max.ms) before trying again
/// through a pre-vote, so that two candidates do not keep splitting the vote.
/// </summary>
internal sealed class CandidateState : EpochState
{
    private readonly int _localId;
    private readonly RaftTimer _electionTimer;
    private RaftTimer? _backoffTimer;

    public CandidateState(int localId, int epoch, IEnumerable<int> voterIds, int retries, long nowMs, long electionTimeoutMs)
        : base(epoch)
    {
        _localId = localId;
        Retries = retries;
        _electionTimer = new RaftTimer(nowMs, electionTimeoutMs);
        EpochElection = new EpochElection(voterIds);
        EpochElection.RecordVote(localId, true);
    }

    public int Retries { get; }

    public EpochElection EpochElection { get; }

    public bool IsBackingOff => _backoffTimer is not null;

    public override string Name => "Candidate";

    public override ElectionState Election => ElectionState.WithVotedCandidate(Epoch, ReplicaKey.Of(_localId));

    public bool HasElectionTimeoutExpired(long nowMs) => _electionTimer.IsExpired(nowMs);

    public long RemainingElectionTimeMs(long nowMs) => _electionTimer.RemainingMs(nowMs);

    public void StartBackingOff(long nowMs, long backoffMs) => _backoffTimer = new RaftTimer(nowMs, backoffMs);

    public bool IsBackoffComplete(long nowMs) => _backoffTimer?.IsExpired(nowMs) == true;

    public long RemainingBackoffMs(long nowMs) => _backoffTimer?.RemainingMs(nowMs) ?? 0;

    /// <summary>A candidate's vote is cast (for itself); only a pre-vote from an up-to-date log is granted.</summary>
    public override bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote) => isPreVote && isLogUpToDate;
}
