using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeProducers (key 61), version 0 (KIP-664, what kafka-transactions.sh describe-producers
/// asks). For each partition asked, the producers whose state its log holds: producer id, epoch,
/// last sequence, last timestamp, the epoch of the coordinator that wrote its last marker, and the
/// first offset of its ongoing transaction here (-1 when none). Errors as Kafka's: a topic name
/// that cannot exist is INVALID_TOPIC_EXCEPTION; a topic or partition the metadata does not have is
/// UNKNOWN_TOPIC_OR_PARTITION; one it has but this node does not host (not opened yet) is
/// NOT_LEADER_OR_FOLLOWER, which the admin client retries after refreshing its metadata.
/// </summary>
public sealed class DescribeProducersHandler(MetadataController metadata, ReplicaManager replicas) : ApiHandler<DescribeProducersRequestData, DescribeProducersResponseData>
{
    public override ApiKey ApiKey => ApiKey.DescribeProducers;

    public override VersionRange Versions => new(0, 0);

    protected override ValueTask<DescribeProducersResponseData?> HandleAsync(RequestContext context, DescribeProducersRequestData request, CancellationToken cancellationToken)
    {
        var image = metadata.Image;
        var response = new DescribeProducersResponseData();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new DescribeProducersResponseData.TopicResponse { Name = topic.Name };
            var topicError = TopicNames.Validate(topic.Name) is { } invalid ? (ErrorCode.InvalidTopicException, invalid)
                : image.Topic(topic.Name) is null ? (ErrorCode.UnknownTopicOrPartition, $"Topic {topic.Name} does not exist.")
                : ((ErrorCode, string)?)null;
            foreach (var index in topic.PartitionIndexes)
            {
                topicResponse.Partitions.Add(topicError is var (error, message) ? Failed(index, error, message) : Describe(image.Topic(topic.Name)!, index));
            }
            response.Topics.Add(topicResponse);
        }
        return ValueTask.FromResult<DescribeProducersResponseData?>(response);
    }

    private DescribeProducersResponseData.PartitionResponse Describe(TopicImage topic, int index)
    {
        if (replicas.GetPartition(topic.Name, index) is not { } partition)
        {
            return topic.Partitions.Any(p => p.Partition == index)
                ? Failed(index, ErrorCode.NotLeaderOrFollower, $"This node does not host {topic.Name}-{index}.")
                : Failed(index, ErrorCode.UnknownTopicOrPartition, $"Topic {topic.Name} has no partition {index}.");
        }
        var result = new DescribeProducersResponseData.PartitionResponse { PartitionIndex = index };
        foreach (ActiveProducer producer in partition.ActiveProducers())
        {
            result.ActiveProducers.Add(new DescribeProducersResponseData.ProducerState
            {
                ProducerId = producer.ProducerId,
                ProducerEpoch = producer.ProducerEpoch,
                LastSequence = producer.LastSequence,
                LastTimestamp = producer.LastTimestamp,
                CoordinatorEpoch = producer.CoordinatorEpoch,
                CurrentTxnStartOffset = producer.CurrentTxnStartOffset,
            });
        }
        return result;
    }

    private static DescribeProducersResponseData.PartitionResponse Failed(int index, ErrorCode error, string message) =>
        new() { PartitionIndex = index, ErrorCode = (short)error, ErrorMessage = message };

    protected override DescribeProducersResponseData ErrorResponse(DescribeProducersRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DescribeProducersResponseData();
        foreach (var topic in request.Topics)
        {
            var t = new DescribeProducersResponseData.TopicResponse { Name = topic.Name };
            t.Partitions.AddRange(topic.PartitionIndexes.Select(index => Failed(index, error, message)));
            response.Topics.Add(t);
        }
        return response;
    }
}
