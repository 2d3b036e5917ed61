using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// DeleteShareGroupOffsets on the shard (KIP-932), in Kafka's two steps around the persister: the
/// topics whose state goes are first moved from initialized to deleting in the group's
/// ShareGroupStatePartitionMetadata record, and leave the deleting list once the share coordinator
/// has deleted their state.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>Kafka's message for a known topic of which the group has no share-group state.</summary>
    private const string NoOffsetsToDelete = "There is no offset information to delete.";

    /// <summary>
    /// First step: GROUP_ID_NOT_FOUND for an id that is no share group, NON_EMPTY_GROUP while it has
    /// members; a topic unknown to the metadata, or known but without state for the group, answers
    /// UNKNOWN_TOPIC_OR_PARTITION; the others (initialized, or already deleting from an earlier
    /// attempt) are marked deleting and returned as the DeleteShareGroupState request.
    /// </summary>
    public (ErrorCode Error, string? Message, List<DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic> TopicErrors, DeleteShareGroupStateRequestData? Deletion)
        InitiateDeleteShareGroupOffsets(string groupId, IEnumerable<string> topicNames, MetadataImage image)
    {
        var topicErrors = new List<DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic>();
        if (!_shareGroups.TryGetValue(groupId, out var group))
        {
            return (ErrorCode.GroupIdNotFound, _groups.ContainsKey(groupId) || _consumerGroups.ContainsKey(groupId) ? $"Group {groupId} is not a share group." : $"Group {groupId} not found.", topicErrors, null);
        }
        if (group.Members.Count > 0)
        {
            return (ErrorCode.NonEmptyGroup, "The group is not empty.", topicErrors, null);
        }
        var eligible = new List<(Uuid TopicId, string Name, IEnumerable<int> Partitions)>();
        foreach (var name in topicNames.Distinct(StringComparer.Ordinal))
        {
            var topic = image.Topic(name);
            if (topic is not null && group.InitializedTopics.TryGetValue(topic.Id, out var initialized))
            {
                eligible.Add((topic.Id, name, initialized.Partitions));
            }
            else if (topic is not null && group.DeletingTopics.ContainsKey(topic.Id))
            {
                eligible.Add((topic.Id, name, Enumerable.Range(0, topic.Partitions.Length)));
            }
            else
            {
                topicErrors.Add(new DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic
                {
                    TopicName = name,
                    ErrorCode = (short)ErrorCode.UnknownTopicOrPartition,
                    ErrorMessage = topic is null ? ShareStateError.UnknownTopicOrPartition.Message : NoOffsetsToDelete,
                });
            }
        }
        if (eligible.Count == 0)
        {
            return (ErrorCode.None, null, topicErrors, null);
        }
        var ids = eligible.Select(e => e.TopicId).ToHashSet();
        var deleting = group.DeletingTopics.Concat(eligible.Select(e => KeyValuePair.Create(e.TopicId, e.Name)))
            .DistinctBy(d => d.Key);
        var written = WriteShareGroupRecords([StatePartitionMetadataRecord(group, group.InitializedTopics.Values.Where(t => !ids.Contains(t.TopicId)), deleting)]);
        if (written != ErrorCode.None)
        {
            return (written, null, topicErrors, null);
        }
        return (ErrorCode.None, null, topicErrors, new DeleteShareGroupStateRequestData
        {
            GroupId = groupId,
            Topics = [.. eligible.Select(e => new DeleteShareGroupStateRequestData.DeleteStateData
            {
                TopicId = e.TopicId,
                Partitions = [.. e.Partitions.Select(p => new DeleteShareGroupStateRequestData.PartitionData { Partition = p })],
            })],
        });
    }

    /// <summary>Second step: the topics whose state the share coordinator deleted leave the deleting list.</summary>
    public ErrorCode CompleteDeleteShareGroupOffsets(string groupId, IReadOnlySet<Uuid> deleted)
    {
        if (!_shareGroups.TryGetValue(groupId, out var group))
        {
            return ErrorCode.GroupIdNotFound;
        }
        return WriteShareGroupRecords([StatePartitionMetadataRecord(group, group.InitializedTopics.Values, group.DeletingTopics.Where(d => !deleted.Contains(d.Key)))]);
    }

    private static CoordinatorRecord.ShareGroupStatePartitionMetadata StatePartitionMetadataRecord(ShareGroup group, IEnumerable<ShareTopicPartitions> initialized, IEnumerable<KeyValuePair<Uuid, string>> deleting) =>
        new(group.GroupId, new ShareGroupStatePartitionMetadataValue
        {
            InitializedTopics = [.. initialized.OrderBy(t => t.TopicName, StringComparer.Ordinal)
                .Select(t => new ShareGroupStatePartitionMetadataValue.TopicPartitionsInfo { TopicId = t.TopicId, TopicName = t.TopicName, Partitions = [.. t.Partitions] })],
            DeletingTopics = [.. deleting.OrderBy(d => d.Value, StringComparer.Ordinal)
                .Select(d => new ShareGroupStatePartitionMetadataValue.TopicInfo { TopicId = d.Key, TopicName = d.Value })],
        });
}
