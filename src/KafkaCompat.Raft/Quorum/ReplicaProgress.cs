namespace KafkaCompat.Raft;

/// <summary>
/// What a leader knows of one replica's log (Kafka's LeaderState.ReplicaState): the end offset it
/// fetched from (for a voter, what it has flushed), when it last fetched, and when it was last
/// caught up, which DescribeQuorum reports as lag.
/// </summary>
internal sealed class ReplicaProgress(ReplicaKey key)
{
    public ReplicaKey Key { get; } = key;

    public long? EndOffset { get; private set; }

    public long LastFetchTimestamp { get; private set; } = -1;

    public long LastCaughtUpTimestamp { get; private set; } = -1;

    /// <summary>The leader's end offset at this replica's previous fetch.</summary>
    private long _lastFetchLeaderLogEndOffset = -1;

    /// <summary>The leader's own end offset (only what is flushed counts toward the high watermark).</summary>
    public void UpdateLeaderState(long endOffset) => EndOffset = endOffset;

    /// <summary>
    /// A fetch at <paramref name="fetchOffset"/>. The replica is caught up now when it asked for the
    /// leader's end; it was caught up at its previous fetch when it has now reached what the leader
    /// had then (the rule Kafka uses, so that a replica trailing a busy leader by one fetch is not lagging).
    /// </summary>
    public void UpdateFollowerState(long nowMs, long fetchOffset, long leaderEndOffset)
    {
        if (fetchOffset >= leaderEndOffset)
        {
            LastCaughtUpTimestamp = Math.Max(LastCaughtUpTimestamp, nowMs);
        }
        else if (_lastFetchLeaderLogEndOffset > 0 && fetchOffset >= _lastFetchLeaderLogEndOffset)
        {
            LastCaughtUpTimestamp = Math.Max(LastCaughtUpTimestamp, LastFetchTimestamp);
        }
        _lastFetchLeaderLogEndOffset = leaderEndOffset;
        LastFetchTimestamp = Math.Max(LastFetchTimestamp, nowMs);
        EndOffset = fetchOffset;
    }
}
