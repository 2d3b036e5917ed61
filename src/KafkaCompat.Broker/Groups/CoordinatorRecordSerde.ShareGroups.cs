using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;

namespace KafkaCompat.Broker.Groups;

/// <summary>Kafka's key and value formats of the KIP-932 share-group records (key versions 9 to 15, values at version 0).</summary>
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
                return new CoordinatorRecord.ShareGroupMetadata(k.GroupId, value is { } v ? ReadValue(v, ShareGroupMetadataValue.ReadNew) : null);
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
                return new CoordinatorRecord.ShareGroupStatePartitionMetadata(k.GroupId, value is { } v ? ReadValue(v, ShareGroupStatePartitionMetadataValue.ReadNew) : null);
            }
            default:
                return null;
        }
    }
}
