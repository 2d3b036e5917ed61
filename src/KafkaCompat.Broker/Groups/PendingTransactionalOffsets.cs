using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// The offsets of one <c>__consumer_offsets</c> partition that were committed inside transactions
/// still open (TxnOffsetCommit, KIP-98), by producer id: not visible to OffsetFetch until the
/// producer's COMMIT marker makes them committed, gone at its ABORT marker. Also which producers
/// hold a pending offset for each group's partition, which is what OffsetFetch's require_stable
/// (KIP-447), offset expiry and group removal ask. Changed only by replaying records and markers.
/// </summary>
internal sealed class PendingTransactionalOffsets
{
    private readonly Dictionary<long, Dictionary<(string GroupId, TopicPartition Partition), OffsetAndMetadata>> _byProducer = [];
    private readonly Dictionary<string, Dictionary<TopicPartition, HashSet<long>>> _openByGroup = new(StringComparer.Ordinal);

    /// <summary>A transactional offset commit record of <paramref name="producerId"/>; a later one for the same partition replaces it.</summary>
    public void Add(long producerId, string groupId, TopicPartition partition, OffsetAndMetadata offset)
    {
        if (!_byProducer.TryGetValue(producerId, out var offsets))
        {
            offsets = [];
            _byProducer[producerId] = offsets;
        }
        offsets[(groupId, partition)] = offset;
        if (!_openByGroup.TryGetValue(groupId, out var partitions))
        {
            partitions = [];
            _openByGroup[groupId] = partitions;
        }
        if (!partitions.TryGetValue(partition, out var producers))
        {
            producers = [];
            partitions[partition] = producers;
        }
        producers.Add(producerId);
    }

    public bool Contains(string groupId) => _openByGroup.ContainsKey(groupId);

    public bool Contains(string groupId, TopicPartition partition) =>
        _openByGroup.TryGetValue(groupId, out var partitions) && partitions.ContainsKey(partition);

    /// <summary>The group's partitions with a pending offset of any producer.</summary>
    public IReadOnlyCollection<TopicPartition> PartitionsOf(string groupId) =>
        _openByGroup.TryGetValue(groupId, out var partitions) ? partitions.Keys : [];

    /// <summary>An offset tombstone (OffsetDelete, DeleteGroups, expiry): every producer's pending offset for the partition goes too, as in Kafka.</summary>
    public void Remove(string groupId, TopicPartition partition)
    {
        if (!_openByGroup.TryGetValue(groupId, out var partitions) || !partitions.Remove(partition, out var producers))
        {
            return;
        }
        if (partitions.Count == 0)
        {
            _openByGroup.Remove(groupId);
        }
        foreach (var producerId in producers)
        {
            if (_byProducer.TryGetValue(producerId, out var offsets) && offsets.Remove((groupId, partition)) && offsets.Count == 0)
            {
                _byProducer.Remove(producerId);
            }
        }
    }

    /// <summary>The producer's transaction ended (either way): its pending offsets, now forgotten here; null when it had none.</summary>
    public IReadOnlyDictionary<(string GroupId, TopicPartition Partition), OffsetAndMetadata>? End(long producerId)
    {
        if (!_byProducer.Remove(producerId, out var offsets))
        {
            return null;
        }
        foreach (var (groupId, partition) in offsets.Keys)
        {
            if (_openByGroup.TryGetValue(groupId, out var partitions) && partitions.TryGetValue(partition, out var producers)
                && producers.Remove(producerId) && producers.Count == 0)
            {
                partitions.Remove(partition);
                if (partitions.Count == 0)
                {
                    _openByGroup.Remove(groupId);
                }
            }
        }
        return offsets;
    }
}
