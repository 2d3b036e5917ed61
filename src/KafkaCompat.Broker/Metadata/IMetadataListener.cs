using KafkaCompat.Protocol;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// What a metadata journal tells the state machines that follow it (Raft's listener): the snapshot
/// it starts from, every committed batch in offset order, and a change of leader epoch. Calls come
/// from one thread at a time, in order; the journal waits for each to return, so a listener that
/// publishes state has published it before the next listener (the controller) is told.
/// </summary>
public interface IMetadataListener
{
    /// <summary>The state up to <paramref name="snapshotId"/> (exclusive), replacing anything replayed before.</summary>
    void HandleLoadSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp, IReadOnlyList<IKafkaMessage> records);

    /// <summary>A batch is committed: durable in the log (with a quorum, replicated to a majority of voters).</summary>
    void HandleCommit(MetadataBatch batch);

    /// <summary>
    /// The journal moved to <paramref name="epoch"/>: every append of an older epoch that was not
    /// committed yet never will be. <paramref name="cause"/> is why, when a failed write caused it.
    /// </summary>
    void HandleLeaderChange(int epoch, Exception? cause);
}
