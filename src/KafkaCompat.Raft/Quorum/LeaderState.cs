namespace KafkaCompat.Raft;

/// <summary>
/// Leading an epoch: the progress of every voter and observer, the high watermark, the appends
/// being gathered, and two timers. The high watermark is the end offset a majority of voters has
/// reached (the leader counting what it has flushed), and it moves only once that is past the
/// epoch's start offset, that is once the LeaderChange record of this epoch is committed: a new
/// leader cannot know which of the previous epoch's records are committed until one of its own is
/// (Raft, section 5.4.2), and a high watermark it published earlier would otherwise go backwards.
/// Check quorum (KIP-996's companion): a leader that has not heard from a majority within 1.5
/// fetch timeouts resigns, since the others have probably elected someone else.
/// </summary>
internal sealed class LeaderState : EpochState
{
    private readonly int _localId;
    private readonly Dictionary<int, ReplicaProgress> _voterStates;
    private readonly Dictionary<int, ReplicaProgress> _observerStates = [];
    private readonly HashSet<int> _fetchedVoters = [];
    private readonly RaftTimer _checkQuorumTimer;
    private readonly long _checkQuorumTimeoutMs;
    private readonly RaftTimer _beginQuorumEpochTimer;
    private readonly long _beginQuorumEpochTimeoutMs;

    public LeaderState(int localId, int epoch, long epochStartOffset, IEnumerable<int> voterIds, IReadOnlySet<int> grantingVoters, BatchAccumulator accumulator, long nowMs, long fetchTimeoutMs)
        : base(epoch)
    {
        _localId = localId;
        EpochStartOffset = epochStartOffset;
        GrantingVoters = grantingVoters;
        Accumulator = accumulator;
        _voterStates = voterIds.ToDictionary(id => id, id => new ReplicaProgress(ReplicaKey.Of(id)));
        _checkQuorumTimeoutMs = IsOnlyVoter ? long.MaxValue : (long)(fetchTimeoutMs * 1.5);
        _checkQuorumTimer = new RaftTimer(nowMs, _checkQuorumTimeoutMs);
        // The first BeginQuorumEpoch goes out at once; then again every half fetch timeout, so a
        // voter that missed it learns the leader before its own fetch timer would make it stand.
        _beginQuorumEpochTimeoutMs = fetchTimeoutMs / 2;
        _beginQuorumEpochTimer = new RaftTimer(nowMs, 0);
    }

    public long EpochStartOffset { get; }

    public IReadOnlySet<int> GrantingVoters { get; }

    public BatchAccumulator Accumulator { get; }

    public long? HighWatermark { get; private set; }

    public bool IsResignRequested { get; private set; }

    public override string Name => "Leader";

    public override ElectionState Election => ElectionState.WithElectedLeader(Epoch, _localId, ReplicaKey.Of(_localId));

    public IReadOnlyCollection<ReplicaProgress> VoterStates => _voterStates.Values;

    public IReadOnlyCollection<ReplicaProgress> ObserverStates => _observerStates.Values;

    public IEnumerable<int> RemoteVoters => _voterStates.Keys.Where(id => id != _localId);

    private bool IsOnlyVoter => _voterStates.Count == 1 && _voterStates.ContainsKey(_localId);

    public void RequestResign() => IsResignRequested = true;

    /// <summary>The leader's flushed end offset moved; true when that moved the high watermark.</summary>
    public bool UpdateLocalState(long flushedEndOffset)
    {
        _voterStates[_localId].UpdateLeaderState(flushedEndOffset);
        return MaybeUpdateHighWatermark();
    }

    /// <summary>A replica fetched at <paramref name="fetchOffset"/>; true when that moved the high watermark.</summary>
    public bool UpdateReplicaState(ReplicaKey replica, long nowMs, long fetchOffset)
    {
        if (replica.Id < 0 || replica.Id == _localId)
        {
            // A fetch without a replica id is a consumer's; the leader's own position is its flush.
            return false;
        }
        var leaderEndOffset = _voterStates[_localId].EndOffset ?? 0;
        if (_voterStates.TryGetValue(replica.Id, out var voter))
        {
            voter.UpdateFollowerState(nowMs, fetchOffset, leaderEndOffset);
            UpdateCheckQuorumForFollowingVoter(replica.Id, nowMs);
            return MaybeUpdateHighWatermark();
        }
        if (!_observerStates.TryGetValue(replica.Id, out var observer))
        {
            observer = new ReplicaProgress(replica);
            _observerStates[replica.Id] = observer;
        }
        observer.UpdateFollowerState(nowMs, fetchOffset, leaderEndOffset);
        return false;
    }

    /// <summary>A voter fetched (a log or a snapshot): once a majority has, the leader knows it still leads.</summary>
    public void UpdateCheckQuorumForFollowingVoter(int voterId, long nowMs)
    {
        if (!_voterStates.ContainsKey(voterId) || voterId == _localId)
        {
            return;
        }
        _fetchedVoters.Add(voterId);
        // The leader counts itself.
        if (_fetchedVoters.Count + 1 >= _voterStates.Count / 2 + 1)
        {
            _fetchedVoters.Clear();
            _checkQuorumTimer.Reset(nowMs, _checkQuorumTimeoutMs);
        }
    }

    public long TimeUntilCheckQuorumExpires(long nowMs) => _checkQuorumTimer.RemainingMs(nowMs);

    public long TimeUntilBeginQuorumEpochTimerExpires(long nowMs) => _beginQuorumEpochTimer.RemainingMs(nowMs);

    public void ResetBeginQuorumEpochTimer(long nowMs) => _beginQuorumEpochTimer.Reset(nowMs, _beginQuorumEpochTimeoutMs);

    /// <summary>The other voters, those whose logs reached furthest first: the order a resigning leader names its preferred successors in.</summary>
    public IReadOnlyList<ReplicaKey> NonLeaderVotersByDescendingFetchOffset() =>
        [.. _voterStates.Values.Where(v => v.Key.Id != _localId).OrderByDescending(v => v.EndOffset ?? -1).ThenBy(v => v.Key.Id).Select(v => v.Key)];

    public override bool CanGrantVote(ReplicaKey candidate, bool isLogUpToDate, bool isPreVote) => false;

    private bool MaybeUpdateHighWatermark()
    {
        // The end offset at the median position, counting down from the furthest: a majority of
        // voters (the leader included) has at least that much.
        var offsets = _voterStates.Values.Select(v => v.EndOffset ?? -1).OrderByDescending(o => o).ToList();
        var candidate = offsets[_voterStates.Count / 2];
        if (candidate <= EpochStartOffset)
        {
            return false;
        }
        if (HighWatermark is { } current && candidate <= current)
        {
            // Never backwards: a voter that lost unflushed data may report less than before.
            return false;
        }
        HighWatermark = candidate;
        return true;
    }
}
