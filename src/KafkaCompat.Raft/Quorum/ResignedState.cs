namespace KafkaCompat.Raft;

/// <summary>
/// A leader that stepped down (graceful shutdown, Resign, a lost quorum) or restarted: it stays in
/// its epoch, sends EndQuorumEpoch to the voters until each acknowledges, naming the preferred
/// successors (the voters by how far their logs reached) so the best placed stands first, and
/// waits for the next epoch. It grants no vote, since it was this epoch's leader. Not persisted:
/// the file still names it leader of the epoch, which is what a restart resumes from.
/// </summary>
internal sealed class ResignedState : EpochState
{
    private readonly int _localId;
    private readonly RaftTimer _electionTimer;
    private readonly HashSet<int> _unackedVoters;

    public ResignedState(int localId, int epoch, IEnumerable<int> voterIds, IReadOnlyList<ReplicaKey> preferredSuccessors, long nowMs, long electionTimeoutMs)
        : base(epoch)
    {
        _localId = localId;
        PreferredSuccessors = preferredSuccessors;
        _electionTimer = new RaftTimer(nowMs, electionTimeoutMs);
        _unackedVoters = [.. voterIds.Where(id => id != localId)];
    }

    public IReadOnlyList<ReplicaKey> PreferredSuccessors { get; }

    public IReadOnlySet<int> UnackedVoters => _unackedVoters;

    public override string Name => "Resigned";

    public override ElectionState Election => ElectionState.WithElectedLeader(Epoch, _localId);

    public void AcknowledgeResignation(int voterId) => _unackedVoters.Remove(voterId);

    public bool HasElectionTimeoutExpired(long nowMs) => _electionTimer.IsExpired(nowMs);

    public long RemainingElectionTimeMs(long nowMs) => _electionTimer.RemainingMs(nowMs);

    public override bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote) => false;
}
