using KafkaCompat.Broker.Metadata;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// <c>__share_group_state</c> is not compacted and its records never expire by time (KIP-932): the
/// share coordinator itself deletes the records nobody needs, as Kafka's prunes them. A load starts
/// at each share-partition's latest ShareSnapshot, so every record below the oldest of those latest
/// snapshots is redundant; with no share-partition left, every record written is.
/// </summary>
public sealed partial class ShareCoordinatorShard
{
    private readonly Dictionary<SharePartitionKey, long> _latestSnapshotOffsets = [];
    private long _nextOffset;

    /// <summary>The offset below which this shard's partition holds nothing a load needs.</summary>
    public long LastRedundantOffset => _latestSnapshotOffsets.Count == 0 ? _nextOffset : _latestSnapshotOffsets.Values.Min();

    /// <summary>Deletes the records below <see cref="LastRedundantOffset"/> (DeleteRecords on the shard's own partition); the new log start offset, or -1 when nothing moved.</summary>
    public long PruneRedundantRecords()
    {
        var partition = _context.Replicas.GetPartition(TopicNames.ShareGroupState, PartitionIndex);
        var redundant = LastRedundantOffset;
        if (partition is null || redundant <= partition.LogStartOffset)
        {
            return -1;
        }
        var result = partition.DeleteRecordsBefore(redundant);
        _context.Logger.LogDebug("Pruned {Topic}-{Partition} below offset {Offset}: {Error}", TopicNames.ShareGroupState, PartitionIndex, redundant, result.Error);
        return partition.LogStartOffset;
    }

    /// <summary>Where each share-partition's latest snapshot is; called for every record replayed, with its offset.</summary>
    private void TrackOffsets(long offset, short type, SharePartitionKey key, bool tombstone, bool updateWithoutSnapshot)
    {
        _nextOffset = Math.Max(_nextOffset, offset + 1);
        if (tombstone)
        {
            _latestSnapshotOffsets.Remove(key);
        }
        else if (type == ShareStateRecords.SnapshotType || updateWithoutSnapshot)
        {
            _latestSnapshotOffsets[key] = offset;
        }
    }
}
