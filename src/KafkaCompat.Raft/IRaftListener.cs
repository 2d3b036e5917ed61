namespace KafkaCompat.Raft;

/// <summary>
/// A state machine that follows the Raft log (Kafka's RaftClient.Listener): the controller on a
/// voter, the metadata loader on every node. Called from the Raft client's thread, one call at a
/// time, in log order; each listener has its own position, and a listener that falls behind the
/// log start is given the latest snapshot first.
/// </summary>
public interface IRaftListener
{
    /// <summary>The state up to <see cref="RaftSnapshot.SnapshotId"/> (exclusive), replacing anything replayed before.</summary>
    void HandleLoadSnapshot(RaftSnapshot snapshot);

    /// <summary>Batches below the high watermark, in offset order; each is reported once.</summary>
    void HandleCommit(RaftBatch batch);

    /// <summary>The leader or epoch changed; told after every commit of the old epoch this replica has seen.</summary>
    void HandleLeaderChange(LeaderAndEpoch leader);

    /// <summary>The Raft client is shutting down.</summary>
    void BeginShutdown();
}
