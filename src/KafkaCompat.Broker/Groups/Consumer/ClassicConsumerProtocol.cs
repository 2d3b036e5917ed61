using System.Buffers.Binary;
using KafkaCompat.Broker.Coordinators;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>A classic consumer's subscription as a consumer group needs it: the topics, the partitions it says it owns (by topic id) and its rack.</summary>
public sealed record ClassicSubscription(IReadOnlyList<string> Topics, IReadOnlySet<TopicIdPartition> OwnedPartitions, string? RackId, short Version);

/// <summary>
/// The embedded consumer protocol (ConsumerProtocolSubscription, ConsumerProtocolAssignment: an
/// int16 version, then the struct) between a consumer group and its members that speak the classic
/// protocol: their subscriptions read from JoinGroup's metadata, their assignments written for
/// SyncGroup and for a group downgraded to classic, in the version of the member's subscription, as
/// Kafka answers them.
/// </summary>
public static class ClassicConsumerProtocol
{
    /// <summary>The subscription, or null when the bytes are no subscription at all.</summary>
    public static ClassicSubscription? ReadSubscription(byte[] metadata, MetadataImage image)
    {
        var version = metadata.Length < 2 ? (short)-1 : BinaryPrimitives.ReadInt16BigEndian(metadata);
        if (version < 0)
        {
            return null;
        }
        try
        {
            var reader = new KafkaReader(metadata.AsMemory(2));
            var subscription = ConsumerProtocolSubscription.ReadNew(ref reader, Math.Min(version, ConsumerProtocolSubscription.HighestVersion));
            var owned = subscription.OwnedPartitions
                .Where(t => image.Topic(t.Topic) is not null)
                .SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(image.Topic(t.Topic)!.Id, p)))
                .ToHashSet();
            return new ClassicSubscription(subscription.Topics, owned, subscription.RackId, version);
        }
        catch (KafkaProtocolException)
        {
            // A subscription that stops after its topics (@platformatic/kafka 1.35.0 writes version 1 without
            // OwnedPartitions) still names what the member wants; it owns nothing the group can rely on.
            return ConsumerSubscription.Topics(metadata) is { } topics ? new ClassicSubscription(topics, new HashSet<TopicIdPartition>(), null, version) : null;
        }
    }

    /// <summary>The version a member's subscription is written in (0 when unreadable), which its assignment is answered in.</summary>
    public static short Version(byte[]? metadata) =>
        metadata is { Length: >= 2 } && BinaryPrimitives.ReadInt16BigEndian(metadata) is var version and >= 0
            ? Math.Min(version, ConsumerProtocolAssignment.HighestVersion)
            : (short)0;

    /// <summary>The ConsumerProtocolAssignment of these partitions by topic name (partitions of topics the image no longer has are left out).</summary>
    public static byte[] WriteAssignment(IEnumerable<TopicIdPartition> partitions, short version, MetadataImage image)
    {
        var assignment = new ConsumerProtocolAssignment();
        foreach (var (topicId, list) in PartitionAssignment.ToTopics(partitions, (id, p) => (id, p)))
        {
            if (image.Topic(topicId) is { } topic)
            {
                assignment.AssignedPartitions.Add(new ConsumerProtocolAssignment.TopicPartition { Topic = topic.Name, Partitions = list });
            }
        }
        return VersionPrefixed.Serialize(assignment, version);
    }

    /// <summary>The partitions of a ConsumerProtocolAssignment by topic id (an unreadable one, or topics unknown to the image, give none).</summary>
    public static HashSet<TopicIdPartition> ReadAssignment(byte[] assignment, MetadataImage image)
    {
        var version = assignment.Length < 2 ? (short)-1 : BinaryPrimitives.ReadInt16BigEndian(assignment);
        if (version < 0)
        {
            return [];
        }
        try
        {
            var reader = new KafkaReader(assignment.AsMemory(2));
            var read = ConsumerProtocolAssignment.ReadNew(ref reader, Math.Min(version, ConsumerProtocolAssignment.HighestVersion));
            return read.AssignedPartitions
                .Where(t => image.Topic(t.Topic) is not null)
                .SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(image.Topic(t.Topic)!.Id, p)))
                .ToHashSet();
        }
        catch (KafkaProtocolException)
        {
            return [];
        }
    }
}
