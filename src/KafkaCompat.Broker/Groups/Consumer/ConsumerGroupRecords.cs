using KafkaCompat.Protocol.Coordinator;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>The values of the consumer-group records (KIP-848) as the coordinator writes them, built from the group's members and assignments.</summary>
public static class ConsumerGroupRecords
{
    public static ConsumerGroupMemberMetadataValue MemberMetadataValue(ConsumerGroupMember member) => new()
    {
        InstanceId = member.InstanceId,
        RackId = member.RackId,
        ClientId = member.ClientId,
        ClientHost = member.ClientHost,
        SubscribedTopicNames = [.. member.SubscribedTopicNames],
        SubscribedTopicRegex = member.SubscribedTopicRegex,
        RebalanceTimeoutMs = member.RebalanceTimeoutMs,
        ServerAssignor = member.ServerAssignor,
        ClassicMemberMetadata = member.ClassicMetadata is { } classic
            ? new ConsumerGroupMemberMetadataValue.ClassicMemberMetadataData
            {
                SessionTimeoutMs = classic.SessionTimeoutMs,
                SupportedProtocols = classic.SupportedProtocols.Select(p => new ConsumerGroupMemberMetadataValue.ClassicProtocol { Name = p.Name, Metadata = p.Metadata }).ToList(),
            }
            : null,
    };

    public static ConsumerGroupRegularExpressionValue RegularExpressionValue(ResolvedRegularExpression resolved) => new()
    {
        Topics = [.. resolved.Topics],
        Version = resolved.Version,
        Timestamp = resolved.TimestampMs,
    };

    public static ConsumerGroupTargetAssignmentMemberValue TargetValue(IEnumerable<TopicIdPartition> partitions) => new()
    {
        TopicPartitions = PartitionAssignment.ToTopics(partitions, (id, p) => new ConsumerGroupTargetAssignmentMemberValue.TopicPartition { TopicId = id, Partitions = p }),
    };

    public static ConsumerGroupCurrentMemberAssignmentValue CurrentAssignmentValue(ConsumerGroupMember member) => new()
    {
        MemberEpoch = member.MemberEpoch,
        PreviousMemberEpoch = member.PreviousMemberEpoch,
        State = (sbyte)member.State,
        AssignedPartitions = PartitionAssignment.ToTopics(member.AssignedPartitions,
            (id, p) => new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = id, Partitions = p }),
        PartitionsPendingRevocation = PartitionAssignment.ToTopics(member.PartitionsPendingRevocation,
            (id, p) => new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = id, Partitions = p }),
    };

    /// <summary>Kafka's order for removing a member: current assignment, target assignment, then subscription.</summary>
    public static IEnumerable<CoordinatorRecord> MemberTombstones(string groupId, string memberId) =>
    [
        new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(groupId, memberId, null),
        new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(groupId, memberId, null),
        new CoordinatorRecord.ConsumerGroupMemberMetadata(groupId, memberId, null),
    ];
}
