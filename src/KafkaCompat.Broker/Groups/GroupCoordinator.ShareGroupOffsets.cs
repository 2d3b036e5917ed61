using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// DescribeShareGroupOffsets, AlterShareGroupOffsets and DeleteShareGroupOffsets (KIP-932): a share group's start offsets are
/// the share coordinator's, read, initialized and deleted through the persister with the share-group state APIs,
/// as Kafka's group coordinator does.
/// </summary>
public sealed partial class GroupCoordinator
{
    /// <summary>Kafka's start offset, leader epoch and lag for a share-partition that has none.</summary>
    private const long UninitializedStartOffset = -1;
    private const int DefaultLeaderEpoch = 0;
    private const long UninitializedLag = -1;

    /// <summary>
    /// One group of DescribeShareGroupOffsets. Null topics (v1's "all topics") asks for every partition
    /// whose share-group state the group has initialized. A topic this node does not know is no error:
    /// its partitions answer start offset -1, as OffsetFetch answers a partition without offsets. A
    /// partition the persister cannot read answers -1 too; lag is computed (Kafka 4.1+) only where the
    /// start offset and delivery-complete count are both known, as high watermark - start offset -
    /// delivery-complete count.
    /// </summary>
    public async Task<DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup> DescribeShareGroupOffsetsAsync(
        DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup request)
    {
        var routing = RouteShareOffsets(request.GroupId);
        if (routing is not ({ } shard, { } persister, _, _))
        {
            return ShareGroupOffsetsError(request.GroupId, routing.Error, routing.Message);
        }
        var image = _metadata.Image;
        var names = new Dictionary<Uuid, string>();
        var unknown = new List<DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic>();
        var read = new ReadShareGroupStateSummaryRequestData { GroupId = request.GroupId };
        if (request.Topics is null)
        {
            var initialized = await shard.Executor.Submit(() => shard.InitializedSharePartitions(request.GroupId));
            foreach (var (topicId, partitions) in initialized)
            {
                if (image.Topic(topicId) is { } topic)
                {
                    names[topicId] = topic.Name;
                    read.Topics.Add(SummaryOf(topicId, partitions));
                }
            }
        }
        else
        {
            foreach (var asked in request.Topics)
            {
                if (image.Topic(asked.TopicName) is { } topic)
                {
                    names[topic.Id] = topic.Name;
                    read.Topics.Add(SummaryOf(topic.Id, asked.Partitions));
                }
                else
                {
                    unknown.Add(new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic
                    {
                        TopicName = asked.TopicName,
                        TopicId = Uuid.Zero,
                        Partitions = [.. asked.Partitions.Select(p => new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition
                        {
                            PartitionIndex = p,
                            StartOffset = UninitializedStartOffset,
                            LeaderEpoch = DefaultLeaderEpoch,
                            Lag = UninitializedLag,
                        })],
                    });
                }
            }
        }
        var response = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup { GroupId = request.GroupId };
        if (read.Topics.Count > 0)
        {
            var summary = await persister.ReadStateSummaryAsync(read);
            foreach (var result in summary.Results)
            {
                var name = names[result.TopicId];
                response.Topics.Add(new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic
                {
                    TopicName = name,
                    TopicId = result.TopicId,
                    Partitions = [.. result.Partitions.Select(p => DescribedSharePartition(name, p))],
                });
            }
        }
        response.Topics.AddRange(unknown);
        return response;
    }

    private static ReadShareGroupStateSummaryRequestData.ReadStateSummaryData SummaryOf(Uuid topicId, IEnumerable<int> partitions) => new()
    {
        TopicId = topicId,
        Partitions = [.. partitions.Select(p => new ReadShareGroupStateSummaryRequestData.PartitionData { Partition = p })],
    };

    private DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition DescribedSharePartition(
        string topic, ReadShareGroupStateSummaryResponseData.PartitionResult summary)
    {
        var known = summary.ErrorCode == (short)ErrorCode.None;
        var described = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition
        {
            PartitionIndex = summary.Partition,
            StartOffset = known ? summary.StartOffset : UninitializedStartOffset,
            LeaderEpoch = known ? summary.LeaderEpoch : DefaultLeaderEpoch,
            Lag = UninitializedLag,
        };
        if (!known || summary.StartOffset == UninitializedStartOffset || summary.DeliveryCompleteCount == -1)
        {
            return described;
        }
        // Kafka lists the partition's latest offset (the high watermark) for the lag; a partition this
        // node does not lead answers that lookup's error instead of offsets.
        if (_context.Replicas.GetPartition(topic, summary.Partition) is not { } partition)
        {
            return new() { PartitionIndex = summary.Partition, ErrorCode = (short)ErrorCode.UnknownTopicOrPartition, ErrorMessage = ShareStateError.UnknownTopicOrPartition.Message };
        }
        described.Lag = partition.HighWatermark - summary.StartOffset - summary.DeliveryCompleteCount;
        return described;
    }

    /// <summary>
    /// DeleteShareGroupOffsets: the shard marks the topics deleting (or answers the group's or a topic's
    /// error), the persister deletes their state, and the topics it deleted leave the deleting list and
    /// answer no error; a topic with a partition the persister could not delete answers that error and
    /// stays deleting, to be deleted again by a later request.
    /// </summary>
    public async Task<DeleteShareGroupOffsetsResponseData> DeleteShareGroupOffsetsAsync(DeleteShareGroupOffsetsRequestData request)
    {
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return DeleteShareGroupOffsetsError(ErrorCode.InvalidGroupId, null);
        }
        var routing = RouteShareOffsets(request.GroupId);
        if (routing is not ({ } shard, { } persister, _, _))
        {
            return DeleteShareGroupOffsetsError(routing.Error, routing.Message);
        }
        var image = _metadata.Image;
        var names = request.Topics.Select(t => t.TopicName).ToList();
        var initiated = await shard.Executor.Submit(() => shard.InitiateDeleteShareGroupOffsets(request.GroupId, names, image));
        if (initiated.Error != ErrorCode.None)
        {
            return DeleteShareGroupOffsetsError(initiated.Error, initiated.Message);
        }
        var response = new DeleteShareGroupOffsetsResponseData();
        if (initiated.Deletion is not { } deletion)
        {
            response.Responses.AddRange(initiated.TopicErrors);
            return response;
        }
        var result = await persister.DeleteStateAsync(deletion);
        var deleted = new HashSet<Uuid>();
        foreach (var topic in result.Results)
        {
            var name = image.Topic(topic.TopicId)?.Name ?? "";
            var failed = topic.Partitions.FirstOrDefault(p => p.ErrorCode != (short)ErrorCode.None);
            if (failed is null)
            {
                deleted.Add(topic.TopicId);
                response.Responses.Add(new() { TopicName = name, TopicId = topic.TopicId });
            }
            else
            {
                initiated.TopicErrors.Add(new() { TopicName = name, TopicId = topic.TopicId, ErrorCode = failed.ErrorCode, ErrorMessage = failed.ErrorMessage });
            }
        }
        if (deleted.Count > 0)
        {
            var completed = await shard.Executor.Submit(() => shard.CompleteDeleteShareGroupOffsets(request.GroupId, deleted));
            if (completed != ErrorCode.None)
            {
                return DeleteShareGroupOffsetsError(completed, null);
            }
        }
        response.Responses.AddRange(initiated.TopicErrors);
        return response;
    }

    /// <summary>A DeleteShareGroupOffsets response of a group-level error alone.</summary>
    public static DeleteShareGroupOffsetsResponseData DeleteShareGroupOffsetsError(ErrorCode error, string? message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };

    /// <summary>
    /// AlterShareGroupOffsets: the shard checks the group and the topics, the persister initializes the
    /// valid partitions' state at the asked start offsets (InitializeShareGroupState, as Kafka's group
    /// coordinator does), and the partitions it initialized are recorded as the group's; a partition it
    /// refused answers the persister's error.
    /// </summary>
    public async Task<AlterShareGroupOffsetsResponseData> AlterShareGroupOffsetsAsync(AlterShareGroupOffsetsRequestData request)
    {
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return AlterShareGroupOffsetsError(ErrorCode.InvalidGroupId, null);
        }
        var routing = RouteShareOffsets(request.GroupId);
        if (routing is not ({ } shard, { } persister, _, _))
        {
            return AlterShareGroupOffsetsError(routing.Error, routing.Message);
        }
        var image = _metadata.Image;
        var prepared = await shard.Executor.Submit(() => shard.PrepareAlterShareGroupOffsets(request.GroupId, request.Topics, image));
        if (prepared.Error != ErrorCode.None || prepared.Response is not { } response)
        {
            return AlterShareGroupOffsetsError(prepared.Error, prepared.Message);
        }
        if (prepared.Initialization is not { } initialization)
        {
            return response;
        }
        var result = await persister.InitializeStateAsync(initialization);
        var refused = result.Results.SelectMany(t => t.Partitions.Where(p => p.ErrorCode != (short)ErrorCode.None).Select(p => (t.TopicId, Partition: p)))
            .ToDictionary(r => (r.TopicId, r.Partition.Partition), r => r.Partition);
        var initialized = new List<(Uuid TopicId, string TopicName, int Partition)>();
        foreach (var topic in response.Responses.Where(t => t.TopicId != Uuid.Zero))
        {
            foreach (var partition in topic.Partitions.Where(p => p.ErrorCode == (short)ErrorCode.None))
            {
                if (refused.TryGetValue((topic.TopicId, partition.PartitionIndex), out var failed))
                {
                    partition.ErrorCode = failed.ErrorCode;
                    partition.ErrorMessage = failed.ErrorMessage;
                }
                else
                {
                    initialized.Add((topic.TopicId, topic.TopicName, partition.PartitionIndex));
                }
            }
        }
        if (initialized.Count > 0)
        {
            var completed = await shard.Executor.Submit(() => shard.CompleteAlterShareGroupOffsets(request.GroupId, initialized));
            if (completed != ErrorCode.None)
            {
                return AlterShareGroupOffsetsError(completed, null);
            }
        }
        return response;
    }

    /// <summary>An AlterShareGroupOffsets response of a group-level error alone.</summary>
    public static AlterShareGroupOffsetsResponseData AlterShareGroupOffsetsError(ErrorCode error, string? message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };

    /// <summary>The group's shard and the persister to its share coordinator, or the error and message of the one missing.</summary>
    private (GroupCoordinatorShard? Shard, IShareStatePersister? Persister, ErrorCode Error, string? Message) RouteShareOffsets(string groupId)
    {
        var (shard, error) = Route(groupId);
        var missing = shard is null ? error : _context.SharePersister is null ? ErrorCode.CoordinatorNotAvailable : ErrorCode.None;
        return (shard, _context.SharePersister, missing, CoordinatorErrorMessage(missing));
    }

    /// <summary>A DescribeShareGroupOffsets group answered by its error alone.</summary>
    public static DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup ShareGroupOffsetsError(string groupId, ErrorCode error, string? message) =>
        new() { GroupId = groupId, ErrorCode = (short)error, ErrorMessage = message };
}
