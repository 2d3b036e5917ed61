namespace KafkaCompat.Raft;

/// <summary>
/// Following the known leader of the epoch: fetching from it, or a snapshot from it when told to.
/// Each successful fetch resets the fetch timer (controller.quorum.fetch.timeout.ms); when it
/// expires a voter stands (through a pre-vote) and an observer looks for the leader elsewhere.
/// While it hears from its leader it refuses every vote, pre-votes included (KIP-996), so that a
/// replica that merely lost touch cannot depose a leader the rest of the quorum still follows.
/// </summary>
internal sealed class FollowerState(int epoch, int leaderId, RaftEndpoint? leaderEndpoint, ReplicaKey? votedKey, long nowMs, long fetchTimeoutMs) : EpochState(epoch)
{
    private readonly RaftTimer _fetchTimer = new(nowMs, fetchTimeoutMs);
    private readonly long _fetchTimeoutMs = fetchTimeoutMs;
    private bool _hasFetchedFromLeader;

    public int LeaderId { get; } = leaderId;

    public override RaftEndpoint? LeaderEndpoint { get; } = leaderEndpoint;

    public ReplicaKey? VotedKey { get; } = votedKey;

    /// <summary>The snapshot being fetched from the leader (FetchSnapshot), when the leader said the log is behind its start.</summary>
    public IRawSnapshotWriter? FetchingSnapshot { get; private set; }

    public override string Name => "Follower";

    public override ElectionState Election => ElectionState.WithElectedLeader(Epoch, LeaderId, VotedKey);

    public bool HasFetchTimeoutExpired(long nowMs) => _fetchTimer.IsExpired(nowMs);

    public long RemainingFetchTimeMs(long nowMs) => _fetchTimer.RemainingMs(nowMs);

    public void ResetFetchTimeoutForSuccessfulFetch(long nowMs)
    {
        _fetchTimer.Reset(nowMs, _fetchTimeoutMs);
        _hasFetchedFromLeader = true;
    }

    /// <summary>The leader is resigning (EndQuorumEpoch): stand after <paramref name="timeoutMs"/>, which is shorter the better placed this voter is among the successors.</summary>
    public void OverrideFetchTimeout(long nowMs, long timeoutMs) => _fetchTimer.Reset(nowMs, timeoutMs);

    public void SetFetchingSnapshot(IRawSnapshotWriter? writer)
    {
        if (!ReferenceEquals(FetchingSnapshot, writer))
        {
            FetchingSnapshot?.Dispose();
        }
        FetchingSnapshot = writer;
    }

    public override bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote) =>
        isPreVote && !_hasFetchedFromLeader && isLogUpToDate;

    /// <summary>A snapshot left half-fetched is thrown away (disposing an unfrozen writer deletes it).</summary>
    public void Close() => SetFetchingSnapshot(null);
}
