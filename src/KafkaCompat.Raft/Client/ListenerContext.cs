namespace KafkaCompat.Raft;

/// <summary>A registered listener's position: the next offset it is owed and the last leader change it was told.</summary>
internal sealed class ListenerContext(IRaftListener listener)
{
    public IRaftListener Listener { get; } = listener;

    public long NextOffset { get; set; }

    public LeaderAndEpoch? LastFiredLeaderChange { get; set; }

    /// <summary>Only forward: a listener is never told of an older epoch than one it saw.</summary>
    public bool ShouldFireLeaderChange(LeaderAndEpoch leader) =>
        LastFiredLeaderChange is not { } last || (leader != last && leader.Epoch >= last.Epoch);
}
