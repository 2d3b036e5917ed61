using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// Kafka's record formats in <c>__share_group_state</c> (KIP-932): the key's int16 prefix is the
/// record type, 0 for a ShareSnapshot (the whole state of a share-partition) and 1 for a
/// ShareUpdate (a change to the latest snapshot), followed by group id, topic id and partition;
/// the values are version 0 of ShareSnapshotValue and ShareUpdateValue, the delivery-complete
/// count a tagged field (KIP-1226). A null value on a snapshot key deletes the share-partition's state.
/// </summary>
public static class ShareStateRecords
{
    public const short SnapshotType = 0;
    public const short UpdateType = 1;
    private const short ValueVersion = 0;

    public static byte[] SnapshotKey(SharePartitionKey key) =>
        VersionPrefixed.Serialize(new ShareSnapshotKey { GroupId = key.GroupId, TopicId = key.TopicId, Partition = key.Partition }, SnapshotType);

    public static byte[] UpdateKey(SharePartitionKey key) =>
        VersionPrefixed.Serialize(new ShareUpdateKey { GroupId = key.GroupId, TopicId = key.TopicId, Partition = key.Partition }, UpdateType);

    public static byte[] SnapshotValue(ShareGroupOffset state) => VersionPrefixed.Serialize(new ShareSnapshotValue
    {
        SnapshotEpoch = state.SnapshotEpoch,
        StateEpoch = state.StateEpoch,
        LeaderEpoch = state.LeaderEpoch,
        StartOffset = state.StartOffset,
        DeliveryCompleteCount = state.DeliveryCompleteCount,
        CreateTimestamp = state.CreateTimestamp,
        WriteTimestamp = state.WriteTimestamp,
        StateBatches = [.. state.StateBatches.Select(b => new ShareSnapshotValue.StateBatch
        {
            FirstOffset = b.FirstOffset, LastOffset = b.LastOffset, DeliveryState = b.DeliveryState, DeliveryCount = b.DeliveryCount,
        })],
    }, ValueVersion);

    public static byte[] UpdateValue(ShareUpdate update) => VersionPrefixed.Serialize(new ShareUpdateValue
    {
        SnapshotEpoch = update.SnapshotEpoch,
        LeaderEpoch = update.LeaderEpoch,
        StartOffset = update.StartOffset,
        DeliveryCompleteCount = update.DeliveryCompleteCount,
        StateBatches = [.. update.StateBatches.Select(b => new ShareUpdateValue.StateBatch
        {
            FirstOffset = b.FirstOffset, LastOffset = b.LastOffset, DeliveryState = b.DeliveryState, DeliveryCount = b.DeliveryCount,
        })],
    }, ValueVersion);

    /// <summary>
    /// The record type and share-partition a key names; null for a type that is not the share
    /// coordinator's (skipped at load, as Kafka's shard ignores unknown record types).
    /// </summary>
    /// <exception cref="MalformedMessageException">The bytes do not hold what their type says.</exception>
    public static (short Type, SharePartitionKey Key)? ReadKey(ReadOnlyMemory<byte> key)
    {
        var type = VersionPrefixed.Version(key, TopicNames.ShareGroupState);
        var reader = new KafkaReader(key[2..]);
        switch (type)
        {
            case SnapshotType:
                var snapshot = ShareSnapshotKey.ReadNew(ref reader, type);
                return (type, new SharePartitionKey(snapshot.GroupId, snapshot.TopicId, snapshot.Partition));
            case UpdateType:
                var update = ShareUpdateKey.ReadNew(ref reader, type);
                return (type, new SharePartitionKey(update.GroupId, update.TopicId, update.Partition));
            default:
                return null;
        }
    }

    /// <exception cref="MalformedMessageException">The bytes do not hold a ShareSnapshotValue.</exception>
    public static ShareGroupOffset ReadSnapshotValue(ReadOnlyMemory<byte> value)
    {
        var version = VersionPrefixed.Version(value, TopicNames.ShareGroupState);
        var reader = new KafkaReader(value[2..]);
        var read = ShareSnapshotValue.ReadNew(ref reader, Math.Min(version, ShareSnapshotValue.HighestVersion));
        return new ShareGroupOffset(read.SnapshotEpoch, read.StateEpoch, read.LeaderEpoch, read.StartOffset, read.DeliveryCompleteCount,
            read.CreateTimestamp, read.WriteTimestamp,
            [.. read.StateBatches.Select(b => new PersisterStateBatch(b.FirstOffset, b.LastOffset, b.DeliveryState, b.DeliveryCount))]);
    }

    /// <exception cref="MalformedMessageException">The bytes do not hold a ShareUpdateValue.</exception>
    public static ShareUpdate ReadUpdateValue(ReadOnlyMemory<byte> value)
    {
        var version = VersionPrefixed.Version(value, TopicNames.ShareGroupState);
        var reader = new KafkaReader(value[2..]);
        var read = ShareUpdateValue.ReadNew(ref reader, Math.Min(version, ShareUpdateValue.HighestVersion));
        return new ShareUpdate(read.SnapshotEpoch, read.LeaderEpoch, read.StartOffset, read.DeliveryCompleteCount,
            [.. read.StateBatches.Select(b => new PersisterStateBatch(b.FirstOffset, b.LastOffset, b.DeliveryState, b.DeliveryCount))]);
    }
}
