using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// A share-partition nobody writes keeps its latest ShareSnapshot where it is, and with it the offset
/// below which <c>__share_group_state</c> may be pruned: Kafka's share coordinator therefore writes
/// such a "cold" share-partition's state again as a new snapshot once its last one is
/// share.coordinator.cold.partition.snapshot.interval.ms old (an internal config there, 5 minutes).
/// A snapshot written this way keeps its creation time and only moves its write time, which is how
/// the next round tells it apart: when every share-partition's snapshot is such a copy, nothing is
/// written to, and copying them again would only grow the log.
/// </summary>
public sealed partial class ShareCoordinatorShard
{
    /// <summary>Writes a new snapshot of every share-partition whose last one is at least <paramref name="intervalMs"/> old; how many.</summary>
    public int SnapshotColdPartitions(long intervalMs)
    {
        if (_states.Values.All(s => s.CreateTimestamp != s.WriteTimestamp))
        {
            return 0;
        }
        var now = NowMs;
        var records = _states
            .Where(s => now - s.Value.WriteTimestamp >= intervalMs)
            .Select(s => (ShareStateRecords.SnapshotKey(s.Key), (byte[]?)ShareStateRecords.SnapshotValue(s.Value with { SnapshotEpoch = s.Value.SnapshotEpoch + 1, WriteTimestamp = now })))
            .ToList();
        if (records.Count == 0)
        {
            return 0;
        }
        var error = _runtime.Append(records);
        if (error != ErrorCode.None)
        {
            _context.Logger.LogWarning("Snapshotting {Count} cold share-partitions failed: {Error}", records.Count, error);
            return 0;
        }
        return records.Count;
    }
}
