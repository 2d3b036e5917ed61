using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// AlterShareGroupOffsets and DeleteShareGroupOffsets on the shard (KIP-932), each in Kafka's two
/// steps around the persister. Alter initializes the partitions' state at new start offsets, then
/// records them initialized. Delete: the
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

    /// <summary>
    /// AlterShareGroupOffsets, first step: an id of another group type is GROUP_ID_NOT_FOUND and a share
    /// group with members NON_EMPTY_GROUP; an id with no group is a new, empty share group (Kafka creates
    /// it; its ShareGroupStatePartitionMetadata record, written once the state is initialized, makes it
    /// durable). A topic the metadata does not know, or a partition past its count, answers
    /// UNKNOWN_TOPIC_OR_PARTITION; the others are initialized at the asked start offsets, at the group's epoch.
    /// </summary>
    public (ErrorCode Error, string? Message, AlterShareGroupOffsetsResponseData? Response, InitializeShareGroupStateRequestData? Initialization)
        PrepareAlterShareGroupOffsets(string groupId, IEnumerable<AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestTopic> topics, MetadataImage image)
    {
        if (_groups.ContainsKey(groupId) || _consumerGroups.ContainsKey(groupId))
        {
            return (ErrorCode.GroupIdNotFound, $"Group {groupId} is not a share group.", null, null);
        }
        var group = _shareGroups.GetValueOrDefault(groupId);
        if (group is { Members.Count: > 0 })
        {
            return (ErrorCode.NonEmptyGroup, "The group is not empty.", null, null);
        }
        var response = new AlterShareGroupOffsetsResponseData();
        var initialization = new InitializeShareGroupStateRequestData { GroupId = groupId };
        foreach (var asked in topics)
        {
            var topic = image.Topic(asked.TopicName);
            var answered = new AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponseTopic { TopicName = asked.TopicName, TopicId = topic?.Id ?? Uuid.Zero };
            var initialized = new List<InitializeShareGroupStateRequestData.PartitionData>();
            foreach (var partition in asked.Partitions)
            {
                var known = topic is not null && partition.PartitionIndex >= 0 && partition.PartitionIndex < topic.Partitions.Length;
                answered.Partitions.Add(known
                    ? new() { PartitionIndex = partition.PartitionIndex }
                    : new() { PartitionIndex = partition.PartitionIndex, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition, ErrorMessage = ShareStateError.UnknownTopicOrPartition.Message });
                if (known)
                {
                    initialized.Add(new() { Partition = partition.PartitionIndex, StateEpoch = group?.GroupEpoch ?? 0, StartOffset = partition.StartOffset });
                }
            }
            if (topic is not null && initialized.Count > 0)
            {
                initialization.Topics.Add(new() { TopicId = topic.Id, Partitions = initialized });
            }
            response.Responses.Add(answered);
        }
        return (ErrorCode.None, null, response, initialization.Topics.Count > 0 ? initialization : null);
    }

    /// <summary>AlterShareGroupOffsets, second step: the partitions the share coordinator initialized join the group's initialized ones.</summary>
    public ErrorCode CompleteAlterShareGroupOffsets(string groupId, IReadOnlyList<(Uuid TopicId, string TopicName, int Partition)> initialized)
    {
        var group = _shareGroups.GetValueOrDefault(groupId);
        var topics = group?.InitializedTopics.Values.ToDictionary(t => t.TopicId) ?? [];
        foreach (var added in initialized.GroupBy(p => (p.TopicId, p.TopicName)))
        {
            var existing = topics.GetValueOrDefault(added.Key.TopicId)?.Partitions ?? [];
            var since = topics.GetValueOrDefault(added.Key.TopicId)?.CreateTimestamp ?? NowMs;
            topics[added.Key.TopicId] = new ShareTopicPartitions(added.Key.TopicId, added.Key.TopicName, existing.Union(added.Select(p => p.Partition)), since);
        }
        return WriteShareGroupRecords([StatePartitionMetadataRecord(groupId, group is null ? [] : InitializingTopics(group, group.Initializing), topics.Values,
            (group?.DeletingTopics.AsEnumerable() ?? []).Where(d => !topics.ContainsKey(d.Key)))]);
    }

    /// <summary>The group's share-partition state metadata with these initialized and deleting topics, and what is initializing (by default what the group has initializing now).</summary>
    private static CoordinatorRecord.ShareGroupStatePartitionMetadata StatePartitionMetadataRecord(ShareGroup group, IEnumerable<ShareTopicPartitions> initialized,
        IEnumerable<KeyValuePair<Uuid, string>> deleting, IReadOnlyDictionary<TopicIdPartition, long>? initializing = null) =>
        StatePartitionMetadataRecord(group.GroupId, InitializingTopics(group, initializing ?? group.Initializing), initialized, deleting);

    /// <summary>Initializing partitions by topic, as Kafka 4.1 records them: named as the group's subscription names them, since the last time one was asked.</summary>
    private static IEnumerable<ShareTopicPartitions> InitializingTopics(ShareGroup group, IReadOnlyDictionary<TopicIdPartition, long> initializing)
    {
        var names = group.SubscriptionMetadata.Values.ToDictionary(t => t.TopicId, t => t.Name);
        return initializing.GroupBy(p => p.Key.TopicId).Select(t => new ShareTopicPartitions(t.Key, names.GetValueOrDefault(t.Key)
            ?? group.InitializedTopics.GetValueOrDefault(t.Key)?.TopicName ?? "", [.. t.Select(p => p.Key.Partition)], t.Max(p => p.Value)));
    }

    private static CoordinatorRecord.ShareGroupStatePartitionMetadata StatePartitionMetadataRecord(string groupId, IEnumerable<ShareTopicPartitions> initializing,
        IEnumerable<ShareTopicPartitions> initialized, IEnumerable<KeyValuePair<Uuid, string>> deleting) =>
        new(groupId, new ShareGroupStatePartitionMetadataValue
        {
            InitializingTopics = [.. initializing.OrderBy(t => t.TopicName, StringComparer.Ordinal).Select(TopicPartitionsInfo)],
            InitializedTopics = [.. initialized.OrderBy(t => t.TopicName, StringComparer.Ordinal).Select(TopicPartitionsInfo)],
            DeletingTopics = [.. deleting.OrderBy(d => d.Value, StringComparer.Ordinal)
                .Select(d => new ShareGroupStatePartitionMetadataValue.TopicInfo { TopicId = d.Key, TopicName = d.Value })],
        });

    private static ShareGroupStatePartitionMetadataValue.TopicPartitionsInfo TopicPartitionsInfo(ShareTopicPartitions topic) => new()
    {
        TopicId = topic.TopicId,
        TopicName = topic.TopicName,
        Partitions = [.. topic.Partitions],
        CreateTimestamp = topic.CreateTimestamp,
    };
}
