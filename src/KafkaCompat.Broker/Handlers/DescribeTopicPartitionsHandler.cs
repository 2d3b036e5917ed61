using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeTopicPartitions (key 75), version 0 (KIP-966): topic metadata
/// paged by partitions. Topics are answered in name order starting at the
/// cursor; once ResponsePartitionLimit partitions are in the answer, the
/// next partition becomes NextCursor. An empty topic list means every topic.
/// </summary>
public sealed class DescribeTopicPartitionsHandler(MetadataController metadata) : ApiHandler<DescribeTopicPartitionsRequestData, DescribeTopicPartitionsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DescribeTopicPartitions;

    public override VersionRange Versions => new(0, 0);

    protected override ValueTask<DescribeTopicPartitionsResponseData?> HandleAsync(RequestContext context, DescribeTopicPartitionsRequestData request, CancellationToken cancellationToken)
    {
        var image = metadata.Image;
        var names = request.Topics.Count == 0
            ? image.Topics.Keys.ToList()
            : request.Topics.Select(t => t.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        var cursor = request.Cursor;
        var budget = Math.Max(1, request.ResponsePartitionLimit);
        var response = new DescribeTopicPartitionsResponseData();
        foreach (var name in names.Where(n => cursor is null || string.CompareOrdinal(n, cursor.TopicName) >= 0))
        {
            if (image.Topic(name) is not { } topic)
            {
                response.Topics.Add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic
                {
                    Name = name,
                    ErrorCode = (short)(TopicNames.Validate(name) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException),
                });
                continue;
            }
            var first = cursor is not null && cursor.TopicName == name ? cursor.PartitionIndex : 0;
            var result = new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic
            {
                Name = name,
                TopicId = topic.Id,
                IsInternal = TopicNames.IsInternal(name),
            };
            foreach (var p in topic.Partitions.Where(p => p.Partition >= first))
            {
                if (budget == 0)
                {
                    response.NextCursor = new DescribeTopicPartitionsResponseData.Cursor { TopicName = name, PartitionIndex = p.Partition };
                    break;
                }
                result.Partitions.Add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition
                {
                    PartitionIndex = p.Partition,
                    LeaderId = p.Leader,
                    LeaderEpoch = p.LeaderEpoch,
                    ReplicaNodes = [.. p.Replicas],
                    IsrNodes = [.. p.Isr],
                    EligibleLeaderReplicas = [],
                    LastKnownElr = [],
                });
                budget--;
            }
            response.Topics.Add(result);
            if (response.NextCursor is not null)
            {
                break;
            }
        }
        return ValueTask.FromResult<DescribeTopicPartitionsResponseData?>(response);
    }

    protected override DescribeTopicPartitionsResponseData ErrorResponse(DescribeTopicPartitionsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DescribeTopicPartitionsResponseData();
        foreach (var topic in request.Topics)
        {
            response.Topics.Add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic { Name = topic.Name, ErrorCode = (short)error });
        }
        return response;
    }
}
