using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// The state of a deleted topic's share-partitions is dropped, as Kafka's share coordinator drops
/// it when the metadata shows the topic gone: one tombstone per share-partition, in one batch, so
/// that neither memory nor a later load keeps state no leader can ask for again (a topic created
/// again under the same name has a new id).
/// </summary>
public sealed partial class ShareCoordinatorShard
{
    /// <summary>Tombstones every share-partition of the topics <paramref name="isGone"/> says no longer exist; how many.</summary>
    public int ForgetDeletedTopics(Func<Uuid, bool> isGone)
    {
        var keys = _states.Keys.Where(k => isGone(k.TopicId)).ToList();
        if (keys.Count == 0)
        {
            return 0;
        }
        var error = _runtime.Append([.. keys.Select(k => (ShareStateRecords.SnapshotKey(k), (byte[]?)null))]);
        if (error != ErrorCode.None)
        {
            // Left for the next metadata change or load; the state stays unreachable meanwhile.
            _context.Logger.LogWarning("Dropping the share state of {Count} share-partitions of deleted topics failed: {Error}", keys.Count, error);
            return 0;
        }
        return keys.Count;
    }
}
