using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups;

/// <summary>What the admin APIs see of this shard's share groups (KIP-932), as Kafka's GroupMetadataManager shows them.</summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>
    /// ShareGroupDescribe of one group: state, epochs, the <c>simple</c> assignor and the members with
    /// their assignments (topics named as <paramref name="image"/> has them; a deleted topic left
    /// out). An unknown group and one of another type are GROUP_ID_NOT_FOUND, with Kafka's messages.
    /// </summary>
    public ShareGroupDescribeResponseData.DescribedGroup DescribeShareGroup(string groupId, MetadataImage image)
    {
        if (!_shareGroups.TryGetValue(groupId, out var group))
        {
            return GroupCoordinator.ShareGroupDescribeError(groupId, ErrorCode.GroupIdNotFound,
                IsOtherGroupType(groupId) ? $"Group {groupId} is not a share group." : $"Group {groupId} not found.");
        }
        var described = new ShareGroupDescribeResponseData.DescribedGroup
        {
            GroupId = groupId,
            GroupState = group.State.ToString(),
            GroupEpoch = group.GroupEpoch,
            AssignmentEpoch = group.AssignmentEpoch,
            AssignorName = ShareAssignor.Name,
        };
        foreach (var member in group.Members.Values.OrderBy(m => m.MemberId, StringComparer.Ordinal))
        {
            described.Members.Add(new ShareGroupDescribeResponseData.Member
            {
                MemberId = member.MemberId,
                RackId = member.RackId,
                MemberEpoch = member.MemberEpoch,
                ClientId = member.ClientId,
                ClientHost = member.ClientHost,
                SubscribedTopicNames = [.. member.SubscribedTopicNames],
                Assignment = new ShareGroupDescribeResponseData.Assignment
                {
                    TopicPartitions = PartitionAssignment.ToTopics(member.AssignedPartitions, (id, list) => (Id: id, Partitions: list, Topic: image.Topic(id)))
                        .Where(t => t.Topic is not null)
                        .Select(t => new ShareGroupDescribeResponseData.TopicPartitions { TopicId = t.Id, TopicName = t.Topic!.Name, Partitions = t.Partitions })
                        .ToList(),
                },
            });
        }
        return described;
    }

    /// <summary>The share groups for ListGroups (protocol and group type "share"), those whose state is in <paramref name="states"/> (a case-insensitive set) when given.</summary>
    public IReadOnlyList<ListedGroup> ListShareGroups(IReadOnlySet<string>? states) =>
        _shareGroups.Values
            .Where(g => states is null || states.Contains(g.State.ToString()))
            .Select(g => new ListedGroup(g.GroupId, ShareGroup.ProtocolType, g.State.ToString(), ShareGroup.GroupType))
            .ToList();

    /// <summary>DescribeGroups of a share group: no classic group, described as Kafka does (GROUP_ID_NOT_FOUND, Dead); null for any other id.</summary>
    public DescribeGroupsResponseData.DescribedGroup? DescribeShareGroupAsClassic(string groupId) =>
        _shareGroups.ContainsKey(groupId)
            ? new DescribeGroupsResponseData.DescribedGroup
            {
                GroupId = groupId,
                GroupState = ClassicGroupState.Dead.ToKafkaName(),
                ErrorCode = (short)ErrorCode.GroupIdNotFound,
                ErrorMessage = $"Group {groupId} is not a classic group.",
            }
            : null;

    /// <summary>
    /// The answer Kafka gives the APIs of other group types when the id is a share group, or null when
    /// it is not one: offsets of a share group cannot be committed, fetched or deleted
    /// (GROUP_ID_NOT_FOUND); a classic join or a consumer-group heartbeat is refused, as Kafka does not
    /// convert share groups to other types.
    /// </summary>
    public (ErrorCode Error, string Message)? ShareGroupRefusal(string groupId, ErrorCode error = ErrorCode.GroupIdNotFound) =>
        _shareGroups.ContainsKey(groupId) ? (error, $"Group {groupId} is not a consumer group.") : null;
}
