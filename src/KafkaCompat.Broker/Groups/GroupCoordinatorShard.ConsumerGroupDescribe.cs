using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups;

/// <summary>ConsumerGroupDescribe (KIP-848) of one group of this shard, as Kafka's GroupMetadataManager describes it.</summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>KIP-1099's member type: 1 for a member speaking the consumer protocol (ConsumerGroupHeartbeat), 0 for a classic member of a migrated group.</summary>
    private const sbyte ConsumerMemberType = 1;

    private const sbyte ClassicMemberType = 0;

    /// <summary>
    /// The group with its epochs, assignor and members (current and target assignments, topics named
    /// as <paramref name="image"/> has them; a topic the cluster no longer has is left out, as Kafka
    /// does). An unknown group and a classic one are GROUP_ID_NOT_FOUND, with Kafka's messages.
    /// </summary>
    public ConsumerGroupDescribeResponseData.DescribedGroup DescribeConsumerGroup(string groupId, MetadataImage image)
    {
        if (!_consumerGroups.TryGetValue(groupId, out var group))
        {
            return GroupCoordinator.ConsumerGroupDescribeError(groupId, ErrorCode.GroupIdNotFound,
                _groups.ContainsKey(groupId) ? $"Group {groupId} is not a consumer group." : $"Group {groupId} not found.");
        }
        var described = new ConsumerGroupDescribeResponseData.DescribedGroup
        {
            GroupId = groupId,
            GroupState = group.State.ToString(),
            GroupEpoch = group.GroupEpoch,
            AssignmentEpoch = group.AssignmentEpoch,
            AssignorName = PreferredAssignor(group.Members.Values).Name,
        };
        foreach (var member in group.Members.Values.OrderBy(m => m.MemberId, StringComparer.Ordinal))
        {
            described.Members.Add(new ConsumerGroupDescribeResponseData.Member
            {
                MemberId = member.MemberId,
                InstanceId = member.InstanceId,
                RackId = member.RackId,
                MemberEpoch = member.MemberEpoch,
                ClientId = member.ClientId,
                ClientHost = member.ClientHost,
                SubscribedTopicNames = [.. member.SubscribedTopicNames],
                SubscribedTopicRegex = member.SubscribedTopicRegex,
                // Kafka shows the partitions the member owns and has not been asked to revoke.
                Assignment = DescribedAssignment(member.AssignedPartitions, image),
                TargetAssignment = DescribedAssignment(group.TargetOf(member.MemberId), image),
                MemberType = member.UsesClassicProtocol ? ClassicMemberType : ConsumerMemberType,
            });
        }
        return described;
    }

    private static ConsumerGroupDescribeResponseData.Assignment DescribedAssignment(IEnumerable<TopicIdPartition> partitions, MetadataImage image) =>
        new()
        {
            TopicPartitions = PartitionAssignment.ToTopics(partitions, (id, list) => (Id: id, Partitions: list, Topic: image.Topic(id)))
                .Where(t => t.Topic is not null)
                .Select(t => new ConsumerGroupDescribeResponseData.TopicPartitions { TopicId = t.Id, TopicName = t.Topic!.Name, Partitions = t.Partitions })
                .ToList(),
        };
}
