using KafkaCompat.Protocol;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// The metadata log as the controller and the broker see it, shaped like Kafka's Raft client so
/// that a quorum can implement it: appends name the leader epoch they were built at and are refused
/// at any other; commits are reported to listeners in offset order, after the records are durable;
/// snapshots of committed state let start-up skip the log before them.
/// </summary>
public interface IMetadataJournal
{
    /// <summary>The epoch an append must name (this node leads it: a single voter always does).</summary>
    int Epoch { get; }

    /// <summary>Adds a listener; call before <see cref="Start"/>. Listeners are told in the order they registered.</summary>
    void Register(IMetadataListener listener);

    /// <summary>Replays the latest valid snapshot and the committed log after it to every listener, then accepts appends.</summary>
    void Start();

    /// <summary>
    /// Queues <paramref name="records"/> as one atomic batch and returns the offset its last record
    /// will have; <see cref="IMetadataListener.HandleCommit"/> reports when it is committed, or
    /// <see cref="IMetadataListener.HandleLeaderChange"/> that it never will be.
    /// </summary>
    /// <exception cref="MetadataJournalException">The epoch is not the current one, the batch is too large, or the journal is closed or offline.</exception>
    long Append(int epoch, IReadOnlyList<IKafkaMessage> records);

    /// <summary>
    /// Writes a snapshot of committed state: <paramref name="records"/> rebuild the state up to
    /// <paramref name="snapshotId"/> (exclusive). Ignored when a snapshot at that id or a later one exists.
    /// </summary>
    void CreateSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp, IEnumerable<IKafkaMessage> records);
}
