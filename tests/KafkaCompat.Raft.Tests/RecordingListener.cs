namespace KafkaCompat.Raft.Tests;

/// <summary>A listener that remembers what it was told, in order.</summary>
internal sealed class RecordingListener : IRaftListener
{
    public List<RaftBatch> Commits { get; } = [];

    public List<RaftSnapshot> Snapshots { get; } = [];

    public List<LeaderAndEpoch> LeaderChanges { get; } = [];

    /// <summary>Every call, in order: "commit:&lt;base&gt;-&lt;last&gt;", "snapshot:&lt;offset&gt;", "leader:&lt;id&gt;@&lt;epoch&gt;".</summary>
    public List<string> Events { get; } = [];

    public bool ShutdownBegun { get; private set; }

    public IEnumerable<string> CommittedValues => Commits.SelectMany(c => c.Records).Select(TestRecords.Text);

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
        Snapshots.Add(snapshot);
        Events.Add($"snapshot:{snapshot.SnapshotId.Offset}");
    }

    public void HandleCommit(RaftBatch batch)
    {
        Commits.Add(batch);
        Events.Add($"commit:{batch.BaseOffset}-{batch.LastOffset}");
    }

    public void HandleLeaderChange(LeaderAndEpoch leader)
    {
        LeaderChanges.Add(leader);
        Events.Add($"leader:{leader.LeaderId}@{leader.Epoch}");
    }

    public void BeginShutdown() => ShutdownBegun = true;
}
