using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Raft;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>Notes what a journal replays at start-up: the snapshot it loads, and the offset of the first batch after it.</summary>
internal sealed class SnapshotObserver : IMetadataListener
{
    public OffsetAndEpoch? LoadedSnapshot { get; private set; }

    public long? FirstReplayedOffset { get; private set; }

    public void HandleLoadSnapshot(OffsetAndEpoch snapshotId, long lastContainedLogTimestamp, IReadOnlyList<IKafkaMessage> records) => LoadedSnapshot = snapshotId;

    public void HandleCommit(MetadataBatch batch) => FirstReplayedOffset ??= batch.BaseOffset;

    public void HandleLeaderChange(int epoch, Exception? cause)
    {
    }
}
