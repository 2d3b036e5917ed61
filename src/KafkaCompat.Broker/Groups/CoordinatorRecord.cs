using System.Buffers.Binary;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker.Groups;

/// <summary>One record of <c>__consumer_offsets</c>, decoded: an offset commit or group metadata; a null value is a tombstone.</summary>
public abstract partial record CoordinatorRecord
{
    private CoordinatorRecord() { }

    public sealed record OffsetCommit(string GroupId, string Topic, int Partition, OffsetAndMetadata? Value) : CoordinatorRecord;

    public sealed record GroupMetadata(string GroupId, GroupMetadataValue? Value) : CoordinatorRecord;

    /// <summary>A KIP-848 consumer group's epoch (key version 3).</summary>
    public sealed record ConsumerGroupMetadata(string GroupId, ConsumerGroupMetadataValue? Value) : CoordinatorRecord;

    /// <summary>The subscribed topics' metadata of a consumer group (key version 4), written before Kafka 4.1 (KIP-1101's metadata hash replaced it): read and tombstoned only.</summary>
    public sealed record ConsumerGroupPartitionMetadata(string GroupId, ConsumerGroupPartitionMetadataValue? Value) : CoordinatorRecord;

    /// <summary>A consumer-group member's subscription (key version 5).</summary>
    public sealed record ConsumerGroupMemberMetadata(string GroupId, string MemberId, ConsumerGroupMemberMetadataValue? Value) : CoordinatorRecord;

    /// <summary>The epoch of a consumer group's target assignment (key version 6).</summary>
    public sealed record ConsumerGroupTargetAssignmentMetadata(string GroupId, ConsumerGroupTargetAssignmentMetadataValue? Value) : CoordinatorRecord;

    /// <summary>One member's partitions in the target assignment (key version 7).</summary>
    public sealed record ConsumerGroupTargetAssignmentMember(string GroupId, string MemberId, ConsumerGroupTargetAssignmentMemberValue? Value) : CoordinatorRecord;

    /// <summary>A member's epochs, state and owned partitions (key version 8).</summary>
    public sealed record ConsumerGroupCurrentMemberAssignment(string GroupId, string MemberId, ConsumerGroupCurrentMemberAssignmentValue? Value) : CoordinatorRecord;

    /// <summary>The topics a consumer group's subscribed regular expression resolved to (key version 16, Kafka 4.0+).</summary>
    public sealed record ConsumerGroupRegularExpression(string GroupId, string RegularExpression, ConsumerGroupRegularExpressionValue? Value) : CoordinatorRecord;
}

/// <summary>
/// Kafka's key and value formats for <c>__consumer_offsets</c>, so that tools reading that topic
/// understand it: key = int16 key version then the key (0 and 1: OffsetCommitKey, 2: GroupMetadataKey);
/// value = int16 value version then the value, or null for a tombstone; key versions 3 to 8 are
/// the KIP-848 consumer-group records; 9 to 15 the KIP-932 share-group records (CoordinatorRecordSerde.ShareGroups.cs); 16 the resolutions of consumer groups' regular expressions. Later key versions are not ours and are skipped.
/// </summary>
public static partial class CoordinatorRecordSerde
{
    public const short OffsetCommitKeyVersion = 1;
    public const short GroupMetadataKeyVersion = 2;

    /// <summary>Value version 3 carries the leader epoch; version 1 is the only one with an explicit expire timestamp (v2-4 OffsetCommit retention).</summary>
    public const short OffsetCommitValueVersion = 3;
    public const short OffsetCommitValueVersionWithExpiry = 1;

    /// <summary>Version 3 (static members, KIP-345) is what Kafka 2.3+ writes and every tool reads.</summary>
    public const short GroupMetadataValueVersion = 3;

    public static byte[] OffsetCommitKey(string groupId, string topic, int partition) =>
        Serialize(new OffsetCommitKey { Group = groupId, Topic = topic, Partition = partition }, OffsetCommitKeyVersion);

    public const short ConsumerGroupMetadataKeyVersion = 3;
    public const short ConsumerGroupPartitionMetadataKeyVersion = 4;
    public const short ConsumerGroupMemberMetadataKeyVersion = 5;
    public const short ConsumerGroupTargetAssignmentMetadataKeyVersion = 6;
    public const short ConsumerGroupTargetAssignmentMemberKeyVersion = 7;
    public const short ConsumerGroupCurrentMemberAssignmentKeyVersion = 8;
    public const short ConsumerGroupRegularExpressionKeyVersion = 16;

    public static byte[] GroupMetadataKey(string groupId) => Serialize(new GroupMetadataKey { Group = groupId }, GroupMetadataKeyVersion);

    public static byte[] OffsetCommitValue(OffsetAndMetadata offset)
    {
        var version = offset.ExpireTimestampMs is null ? OffsetCommitValueVersion : OffsetCommitValueVersionWithExpiry;
        return Serialize(new OffsetCommitValue
        {
            Offset = offset.Offset,
            LeaderEpoch = version >= 3 ? offset.LeaderEpoch : -1,
            Metadata = offset.Metadata,
            CommitTimestamp = offset.CommitTimestampMs,
            ExpireTimestamp = offset.ExpireTimestampMs ?? -1,
        }, version);
    }

    public static byte[] GroupMetadataValue(GroupMetadataValue value) => Serialize(value, GroupMetadataValueVersion);

    /// <summary>
    /// The key and value bytes of a consumer-group record (a null value writes the tombstone), or of the
    /// classic group's metadata that an online migration (KIP-848) writes in the same batch.
    /// </summary>
    public static (byte[] Key, byte[]? Value) ConsumerGroupRecord(CoordinatorRecord record) => record switch
    {
        CoordinatorRecord.GroupMetadata r =>
            (GroupMetadataKey(r.GroupId), r.Value is null ? null : GroupMetadataValue(r.Value)),
        CoordinatorRecord.ConsumerGroupMetadata r =>
            (Serialize(new ConsumerGroupMetadataKey { GroupId = r.GroupId }, ConsumerGroupMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ConsumerGroupPartitionMetadata r =>
            (Serialize(new ConsumerGroupPartitionMetadataKey { GroupId = r.GroupId }, ConsumerGroupPartitionMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ConsumerGroupMemberMetadata r =>
            (Serialize(new ConsumerGroupMemberMetadataKey { GroupId = r.GroupId, MemberId = r.MemberId }, ConsumerGroupMemberMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata r =>
            (Serialize(new ConsumerGroupTargetAssignmentMetadataKey { GroupId = r.GroupId }, ConsumerGroupTargetAssignmentMetadataKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ConsumerGroupTargetAssignmentMember r =>
            (Serialize(new ConsumerGroupTargetAssignmentMemberKey { GroupId = r.GroupId, MemberId = r.MemberId }, ConsumerGroupTargetAssignmentMemberKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ConsumerGroupCurrentMemberAssignment r =>
            (Serialize(new ConsumerGroupCurrentMemberAssignmentKey { GroupId = r.GroupId, MemberId = r.MemberId }, ConsumerGroupCurrentMemberAssignmentKeyVersion), ValueOrNull(r.Value)),
        CoordinatorRecord.ConsumerGroupRegularExpression r =>
            (Serialize(new ConsumerGroupRegularExpressionKey { GroupId = r.GroupId, RegularExpression = r.RegularExpression }, ConsumerGroupRegularExpressionKeyVersion), ValueOrNull(r.Value)),
        _ => throw new ArgumentException($"{record.GetType().Name} is not a consumer-group record", nameof(record)),
    };

    /// <summary>Every consumer-group value is at version 0, the only one of its spec.</summary>
    private static byte[]? ValueOrNull(IKafkaMessage? value) => value is null ? null : Serialize(value, 0);

    /// <summary>Decodes a record of the topic; null for key versions that are not the classic coordinator's.</summary>
    /// <exception cref="MalformedMessageException">The bytes do not hold what their version says.</exception>
    public static CoordinatorRecord? Parse(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value)
    {
        if (key.Length < 2)
        {
            throw new MalformedMessageException($"a {key.Length}-byte __consumer_offsets key has no version");
        }
        var keyVersion = BinaryPrimitives.ReadInt16BigEndian(key.Span);
        var keyReader = new KafkaReader(key[2..]);
        switch (keyVersion)
        {
            case 0 or 1:
            {
                var commitKey = Protocol.Coordinator.OffsetCommitKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.OffsetCommit(commitKey.Group, commitKey.Topic, commitKey.Partition, value is { } v ? ReadOffset(v) : null);
            }
            case 2:
            {
                var groupKey = Protocol.Coordinator.GroupMetadataKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.GroupMetadata(groupKey.Group, value is { } v ? ReadGroup(v) : null);
            }
            case ConsumerGroupMetadataKeyVersion:
            {
                var k = Protocol.Coordinator.ConsumerGroupMetadataKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.ConsumerGroupMetadata(k.GroupId, value is { } v ? ReadValue(v, Protocol.Coordinator.ConsumerGroupMetadataValue.ReadNew) : null);
            }
            case ConsumerGroupPartitionMetadataKeyVersion:
            {
                var k = Protocol.Coordinator.ConsumerGroupPartitionMetadataKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.ConsumerGroupPartitionMetadata(k.GroupId, value is { } v ? ReadValue(v, Protocol.Coordinator.ConsumerGroupPartitionMetadataValue.ReadNew) : null);
            }
            case ConsumerGroupMemberMetadataKeyVersion:
            {
                var k = Protocol.Coordinator.ConsumerGroupMemberMetadataKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.ConsumerGroupMemberMetadata(k.GroupId, k.MemberId, value is { } v ? ReadValue(v, Protocol.Coordinator.ConsumerGroupMemberMetadataValue.ReadNew) : null);
            }
            case ConsumerGroupTargetAssignmentMetadataKeyVersion:
            {
                var k = Protocol.Coordinator.ConsumerGroupTargetAssignmentMetadataKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata(k.GroupId, value is { } v ? ReadValue(v, Protocol.Coordinator.ConsumerGroupTargetAssignmentMetadataValue.ReadNew) : null);
            }
            case ConsumerGroupTargetAssignmentMemberKeyVersion:
            {
                var k = Protocol.Coordinator.ConsumerGroupTargetAssignmentMemberKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(k.GroupId, k.MemberId, value is { } v ? ReadValue(v, Protocol.Coordinator.ConsumerGroupTargetAssignmentMemberValue.ReadNew) : null);
            }
            case ConsumerGroupCurrentMemberAssignmentKeyVersion:
            {
                var k = Protocol.Coordinator.ConsumerGroupCurrentMemberAssignmentKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(k.GroupId, k.MemberId, value is { } v ? ReadValue(v, Protocol.Coordinator.ConsumerGroupCurrentMemberAssignmentValue.ReadNew) : null);
            }
            case ConsumerGroupRegularExpressionKeyVersion:
            {
                var k = Protocol.Coordinator.ConsumerGroupRegularExpressionKey.ReadNew(ref keyReader, keyVersion);
                return new CoordinatorRecord.ConsumerGroupRegularExpression(k.GroupId, k.RegularExpression, value is { } v ? ReadValue(v, Protocol.Coordinator.ConsumerGroupRegularExpressionValue.ReadNew) : null);
            }
            default:
                return ParseShareGroup(keyVersion, key[2..], value);
        }
    }

    private delegate T ValueReader<out T>(ref KafkaReader reader, short version);

    /// <summary>A consumer-group value; versions above the spec's 0 are read as 0 (flexible versions only add tagged fields).</summary>
    private static T ReadValue<T>(ReadOnlyMemory<byte> value, ValueReader<T> read)
    {
        ValueVersion(value);
        var reader = new KafkaReader(value[2..]);
        return read(ref reader, 0);
    }

    private static OffsetAndMetadata ReadOffset(ReadOnlyMemory<byte> value)
    {
        var version = ValueVersion(value);
        var reader = new KafkaReader(value[2..]);
        var commit = Protocol.Coordinator.OffsetCommitValue.ReadNew(ref reader, Math.Min(version, Protocol.Coordinator.OffsetCommitValue.HighestVersion));
        return new OffsetAndMetadata(commit.Offset, commit.LeaderEpoch, commit.Metadata, commit.CommitTimestamp, commit.ExpireTimestamp >= 0 ? commit.ExpireTimestamp : null);
    }

    private static GroupMetadataValue ReadGroup(ReadOnlyMemory<byte> value)
    {
        var version = ValueVersion(value);
        var reader = new KafkaReader(value[2..]);
        return Protocol.Coordinator.GroupMetadataValue.ReadNew(ref reader, Math.Min(version, Protocol.Coordinator.GroupMetadataValue.HighestVersion));
    }

    private static short ValueVersion(ReadOnlyMemory<byte> value) => VersionPrefixed.Version(value, TopicNames.ConsumerOffsets);

    private static byte[] Serialize(IKafkaMessage message, short version) => VersionPrefixed.Serialize(message, version);
}
