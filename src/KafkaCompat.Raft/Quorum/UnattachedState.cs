namespace KafkaCompat.Raft;

/// <summary>
/// An epoch whose leader this replica does not (yet) follow: after a restart, after seeing a
/// higher epoch, or after voting. It may remember the vote it cast in the epoch (so it never votes
/// twice) and the leader's id when its address is unknown. A voter's election timer here is
/// randomized (election.timeout.ms to twice that) so that voters do not all stand at once; an
/// observer's never expires.
/// </summary>
internal sealed class UnattachedState(int epoch, int? leaderId, ReplicaKey? votedKey, long nowMs, long electionTimeoutMs) : EpochState(epoch)
{
    private readonly RaftTimer _electionTimer = new(nowMs, electionTimeoutMs);

    public int? LeaderId { get; } = leaderId;

    public ReplicaKey? VotedKey { get; } = votedKey;

    public override string Name => "Unattached";

    public override ElectionState Election => new(Epoch, LeaderId, VotedKey);

    public bool HasElectionTimeoutExpired(long nowMs) => _electionTimer.IsExpired(nowMs);

    public long RemainingElectionTimeMs(long nowMs) => _electionTimer.RemainingMs(nowMs);

    public override bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote) =>
        UnattachedOrProspectiveCanGrantVote(LeaderId, VotedKey, candidate, isLogUpToDate, isPreVote);
}
