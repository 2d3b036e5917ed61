using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// Kafka's key and value formats of the KIP-932 share-group records (key versions 9 to 15, values at
/// version 0). Kafka 4.1 changed two values within version 0 (share groups were early access in
/// 4.0): ShareGroupMetadataValue gained MetadataHash and ShareGroupStatePartitionMetadataValue
/// InitializingTopics and CreateTimestamp. They are written as 4.1 writes them and read in either form.
/// </summary>
public static partial class CoordinatorRecordSerde
{
    public const short ShareGroupPartitionMetadataKeyVersion = 9;
    public const short ShareGroupMemberMetadataKeyVersion = 10;
    public const short ShareGroupMetadataKeyVersion = 11;
    public const short ShareGroupTargetAssignmentMetadataKeyVersion = 12;
    public const short ShareGroupTargetAssignmentMemberKeyVersion = 13;
    public const short ShareGroupCurrentMemberAssignmentKeyVersion = 14;
    public const short ShareGroupStatePartitionMetadataKeyVersion = 15;

    /// <summary>The key and value bytes of a share-group record (a null value writes the tombstone).</summary>
    public static (byte[] Key, byte[]? Value) ShareGroupRecord(CoordinatorRecord record) => record switch
    {
        CoordinatorRecord.ShareGroupPartitionMetadata r =>
            (Serialize(new ShareGroupPartitionMetadataKey { GroupId = r.GroupId }, ShareGroupPartitionMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ShareGroupMemberMetadata r =>
            (Serialize(new ShareGroupMemberMetadataKey { GroupId = r.GroupId, MemberId = r.MemberId }, ShareGroupMemberMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ShareGroupMetadata r =>
            (Serialize(new ShareGroupMetadataKey { GroupId = r.GroupId }, ShareGroupMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ShareGroupTargetAssignmentMetadata r =>
            (Serialize(new ShareGroupTargetAssignmentMetadataKey { GroupId = r.GroupId }, ShareGroupTargetAssignmentMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ShareGroupTargetAssignmentMember r =>
            (Serialize(new ShareGroupTargetAssignmentMemberKey { GroupId = r.GroupId, MemberId = r.MemberId }, ShareGroupTargetAssignmentMemberKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ShareGroupCurrentMemberAssignment r =>
            (Serialize(new ShareGroupCurrentMemberAssignmentKey { GroupId = r.GroupId, MemberId = r.MemberId }, ShareGroupCurrentMemberAssignmentKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ShareGroupStatePartitionMetadata r =>
            (Serialize(new ShareGroupStatePartitionMetadataKey { GroupId = r.GroupId }, ShareGroupStatePartitionMetadataKeyVersion), ValueOrNull(r.Value)),
        _ => throw new ArgumentException($"{record.GetType().Name} is not a share-group record", nameof(record)),
    };

    /// <summary>A share-group record (key versions 9 to 15); null for any other key version.</summary>
    private static CoordinatorRecord? ParseShareGroup(short keyVersion, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value)
    {
        var reader = new KafkaReader(key);
        switch (keyVersion)
        {
            case ShareGroupPartitionMetadataKeyVersion:
            {
                var k = ShareGroupPartitionMetadataKey.ReadNew(ref reader, keyVersion);
                return new CoordinatorRecord.ShareGroupPartitionMetadata(k.GroupId, value is { } v ? ReadValue(v, ShareGroupPartitionMetadataValue.ReadNew) : null);
            }
            case ShareGroupMemberMetadataKeyVersion:
            {
                var k = ShareGroupMemberMetadataKey.ReadNew(ref reader, keyVersion);
                return new CoordinatorRecord.ShareGroupMemberMetadata(k.GroupId, k.MemberId, value is { } v ? ReadValue(v, ShareGroupMemberMetadataValue.ReadNew) : null);
            }
            case ShareGroupMetadataKeyVersion:
            {
                var k = ShareGroupMetadataKey.ReadNew(ref reader, keyVersion);
                return new CoordinatorRecord.ShareGroupMetadata(k.GroupId, value is { } v
                    ? ReadEitherForm(v, ShareGroupMetadataValue.ReadNew, ShareGroupMetadataValueKafka40.ReadNew, old => new ShareGroupMetadataValue { Epoch = old.Epoch })
                    : null);
            }
            case ShareGroupTargetAssignmentMetadataKeyVersion:
            {
                var k = ShareGroupTargetAssignmentMetadataKey.ReadNew(ref reader, keyVersion);
                return new CoordinatorRecord.ShareGroupTargetAssignmentMetadata(k.GroupId, value is { } v ? ReadValue(v, ShareGroupTargetAssignmentMetadataValue.ReadNew) : null);
            }
            case ShareGroupTargetAssignmentMemberKeyVersion:
            {
                var k = ShareGroupTargetAssignmentMemberKey.ReadNew(ref reader, keyVersion);
                return new CoordinatorRecord.ShareGroupTargetAssignmentMember(k.GroupId, k.MemberId, value is { } v ? ReadValue(v, ShareGroupTargetAssignmentMemberValue.ReadNew) : null);
            }
            case ShareGroupCurrentMemberAssignmentKeyVersion:
            {
                var k = ShareGroupCurrentMemberAssignmentKey.ReadNew(ref reader, keyVersion);
                return new CoordinatorRecord.ShareGroupCurrentMemberAssignment(k.GroupId, k.MemberId, value is { } v ? ReadValue(v, ShareGroupCurrentMemberAssignmentValue.ReadNew) : null);
            }
            case ShareGroupStatePartitionMetadataKeyVersion:
            {
                var k = ShareGroupStatePartitionMetadataKey.ReadNew(ref reader, keyVersion);
                return new CoordinatorRecord.ShareGroupStatePartitionMetadata(k.GroupId, value is { } v
                    ? ReadEitherForm(v, ShareGroupStatePartitionMetadataValue.ReadNew, ShareGroupStatePartitionMetadataValueKafka40.ReadNew, FromKafka40)
                    : null);
            }
            default:
                return null;
        }
    }

    /// <summary>
    /// A value in Kafka 4.1's layout when that reads every byte of it, else in Kafka 4.0's: the same
    /// version number, but 4.0's bytes are either too few for 4.1's fields or leave some unread.
    /// </summary>
    private static T ReadEitherForm<T, TKafka40>(ReadOnlyMemory<byte> value, ValueReader<T> read, ValueReader<TKafka40> readKafka40, Func<TKafka40, T> upgrade)
    {
        ValueVersion(value);
        try
        {
            var reader = new KafkaReader(value[2..]);
            var read41 = read(ref reader, 0);
            if (reader.Remaining == 0)
            {
                return read41;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not 4.1's layout: 4.0's below.
        }
        var old = new KafkaReader(value[2..]);
        return upgrade(readKafka40(ref old, 0));
    }

    private static ShareGroupStatePartitionMetadataValue FromKafka40(ShareGroupStatePartitionMetadataValueKafka40 old) => new()
    {
        InitializedTopics = [.. old.InitializedTopics.Select(t => new ShareGroupStatePartitionMetadataValue.TopicPartitionsInfo
        {
            TopicId = t.TopicId, TopicName = t.TopicName, Partitions = t.Partitions,
        })],
        DeletingTopics = [.. old.DeletingTopics.Select(t => new ShareGroupStatePartitionMetadataValue.TopicInfo { TopicId = t.TopicId, TopicName = t.TopicName })],
    };
}
