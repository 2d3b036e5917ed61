namespace KafkaCompat.Raft;

/// <summary>
/// A voter asking whether it could win before it bumps the epoch (KIP-996 pre-vote): it sends
/// Vote with PreVote=true for epoch+1 and changes nothing durable, so a replica cut off from the
/// quorum cannot disrupt a healthy leader by inflating epochs when it comes back. A majority of
/// grants makes it a Candidate; a lost pre-vote or the election timeout sends it back to following
/// the leader it knew, or to Unattached. Not persisted: the quorum-state file keeps the state it
/// came from (its epoch, leader and vote are the same).
/// </summary>
internal sealed class ProspectiveState : EpochState
{
    private readonly RaftTimer _electionTimer;

    public ProspectiveState(int localId, int epoch, int? leaderId, RaftEndpoint? leaderEndpoint, ReplicaKey? votedKey, IEnumerable<int> voterIds, int retries, long nowMs, long electionTimeoutMs)
        : base(epoch)
    {
        LeaderId = leaderId;
        LeaderEndpoint = leaderEndpoint;
        VotedKey = votedKey;
        Retries = retries;
        _electionTimer = new RaftTimer(nowMs, electionTimeoutMs);
        EpochElection = new EpochElection(voterIds);
        EpochElection.RecordVote(localId, true);
    }

    public int? LeaderId { get; }

    public override RaftEndpoint? LeaderEndpoint { get; }

    public ReplicaKey? VotedKey { get; }

    /// <summary>How many elections this replica has lost in a row (it drives the election backoff).</summary>
    public int Retries { get; }

    public EpochElection EpochElection { get; }

    public override string Name => "Prospective";

    public override ElectionState Election => new(Epoch, LeaderId, VotedKey);

    public bool HasElectionTimeoutExpired(long nowMs) => _electionTimer.IsExpired(nowMs);

    public long RemainingElectionTimeMs(long nowMs) => _electionTimer.RemainingMs(nowMs);

    public override bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote) =>
        UnattachedOrProspectiveCanGrantVote(LeaderId, VotedKey, candidate, isLogUpToDate, isPreVote);
}
