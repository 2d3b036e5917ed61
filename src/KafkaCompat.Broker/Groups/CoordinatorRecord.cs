using System.Buffers.Binary;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker.Groups;

/// <summary>One record of <c>__consumer_offsets</c>, decoded: an offset commit or group metadata; a null value is a tombstone.</summary>
public abstract record CoordinatorRecord
{
    private CoordinatorRecord() { }

    public sealed record OffsetCommit(string GroupId, string Topic, int Partition, OffsetAndMetadata? Value) : CoordinatorRecord;

    public sealed record GroupMetadata(string GroupId, GroupMetadataValue? Value) : CoordinatorRecord;
}

/// <summary>
/// Kafka's key and value formats for <c>__consumer_offsets</c>, so that tools reading that topic
/// understand it: key = int16 key version then the key (0 and 1: OffsetCommitKey, 2: GroupMetadataKey);
/// value = int16 value version then the value, or null for a tombstone. Later key versions (the
/// KIP-848 consumer-group records) are not ours and are skipped.
/// </summary>
public static class CoordinatorRecordSerde
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
            default:
                return null;
        }
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
