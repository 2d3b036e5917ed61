using System.Runtime.InteropServices;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// Produce (key 0), versions 0-13. v0-2 carry legacy message sets (magic 0/1), up-converted to
/// record batch v2 first (<see cref="LegacyProduce"/>). Kafka 4 advertises v0-2 and refuses them
/// (KAFKA-18659: librdkafka would not start without them); this broker serves them for real, for
/// the old clients that still send them (sarama at its defaults, kafka-node, pinned kafka-python).
/// Batches are validated in place (<see cref="LogValidator"/>), get their
/// offsets written into the request buffer and go to the log as they arrived;
/// only a topic whose compression.type differs from the producer's codec has
/// them re-encoded (<see cref="TopicCompression"/>). acks=0 gets no response, and a failure with acks=0
/// closes the connection as Kafka does, since the client would never hear of it.
/// acks=-1 is answered at once: this single node is the whole ISR.
/// v8+ carries record errors (every invalid record) and an error message (KIP-467); v7+ allows zstd (KIP-110).
/// Transactional produce arrives with the transactions issue.
/// v12 (KIP-890 part 2) tells the broker that a transactional producer adds partitions to its transaction
/// implicitly; a non-transactional request is the same as v11, and a transactional one is refused at every
/// version until transactions are served, so v12 is served for what it means without them.
/// v13 (KIP-516) names topics by id: an id this cluster does not know is UNKNOWN_TOPIC_ID for each of its
/// partitions, and the answer names topics by id too.
/// </summary>
public sealed class ProduceHandler(ReplicaManager replicas, MetadataController metadata, TimeProvider time) : ApiHandler<ProduceRequestData, ProduceResponseData>
{
    public override ApiKey ApiKey => ApiKey.Produce;

    public override VersionRange Versions => new(0, 13);

    protected override ValueTask<ProduceResponseData?> HandleAsync(RequestContext context, ProduceRequestData request, CancellationToken cancellationToken)
    {
        if (request.Acks is not (0 or 1 or -1))
        {
            return Done(ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidRequiredAcks, $"acks must be -1, 0 or 1, not {request.Acks}"));
        }
        if (request.TransactionalId is not null)
        {
            return Done(ErrorResponse(request, context.ApiVersion, ErrorCode.TransactionalIdAuthorizationFailed, "transactions are not supported yet"));
        }
        var response = new ProduceResponseData();
        var failed = false;
        var names = TopicsById.Names(request.TopicData.Select(t => (t.Name, t.TopicId)), context.ApiVersion >= 13, metadata.Image);
        foreach (var (topic, name) in request.TopicData.Zip(names))
        {
            var topicResponse = new ProduceResponseData.TopicProduceResponse { Name = topic.Name, TopicId = topic.TopicId };
            foreach (var partitionData in topic.PartitionData)
            {
                var partitionResponse = name is null
                    ? Fail(new ProduceResponseData.PartitionProduceResponse { Index = partitionData.Index }, ErrorCode.UnknownTopicId, $"This server does not host a topic with id {topic.TopicId}")
                    : Append(name, partitionData, context.ApiVersion);
                failed |= partitionResponse.ErrorCode != 0;
                topicResponse.PartitionResponses.Add(partitionResponse);
            }
            response.Responses.Add(topicResponse);
        }
        if (request.Acks == 0)
        {
            return failed
                ? throw new CloseConnectionException("produce with acks=0 failed: closing so the client notices")
                : Done(null);
        }
        return Done(response);
    }

    private ProduceResponseData.PartitionProduceResponse Append(string topic, ProduceRequestData.PartitionProduceData data, short version)
    {
        var response = new ProduceResponseData.PartitionProduceResponse { Index = data.Index };
        var partition = replicas.GetPartition(topic, data.Index);
        if (partition is null)
        {
            return Fail(response, ErrorCode.UnknownTopicOrPartition, $"This server does not host this topic-partition: {topic}-{data.Index}");
        }
        if (data.Records is not { } records)
        {
            return Fail(response, ErrorCode.CorruptMessage, "the partition's records are null");
        }
        var config = partition.Config;
        ProduceValidationError? refused = null;
        using var upConverted = version <= 2 ? LegacyProduce.UpConvert(ref records, config, out refused) : null;
        PooledBufferWriter? recompressed = null;
        var appendInfo = default(LogAppendInfo);
        var invalid = refused ?? LogValidator.Validate(records, config, version, time.GetUtcNow().ToUnixTimeMilliseconds(), out appendInfo);
        var stored = invalid is null ? TopicCompression.Apply(records, config, ref appendInfo, out recompressed, out invalid) : records;
        using var _ = recompressed;
        if (invalid is not null)
        {
            // KIP-467: every record the batch was refused for, so the client fails exactly those.
            foreach (var recordError in invalid.RecordErrors ?? [])
            {
                response.RecordErrors.Add(new ProduceResponseData.BatchIndexAndErrorMessage { BatchIndex = recordError.RecordIndex, BatchIndexErrorMessage = recordError.Message });
            }
            response.LogStartOffset = partition.LogStartOffset;
            return Fail(response, invalid.Error, invalid.Message);
        }
        // The request buffer (or the re-encoded copy) belongs to this request: offsets are assigned in it, in place.
        var result = partition.AppendAsLeader(MemoryMarshal.AsMemory(stored), appendInfo);
        response.ErrorCode = (short)result.Error;
        response.ErrorMessage = result.ErrorMessage;
        response.BaseOffset = result.Error == ErrorCode.None ? result.FirstOffset : -1;
        response.LogAppendTimeMs = result.LogAppendTime;
        response.LogStartOffset = result.LogStartOffset;
        return response;
    }

    private static ProduceResponseData.PartitionProduceResponse Fail(ProduceResponseData.PartitionProduceResponse response, ErrorCode error, string message)
    {
        response.ErrorCode = (short)error;
        response.ErrorMessage = message;
        response.BaseOffset = -1;
        return response;
    }

    private static ValueTask<ProduceResponseData?> Done(ProduceResponseData? response) => ValueTask.FromResult(response);

    protected override ProduceResponseData ErrorResponse(ProduceRequestData request, short version, ErrorCode error, string message)
    {
        var response = new ProduceResponseData();
        foreach (var topic in request.TopicData)
        {
            var topicResponse = new ProduceResponseData.TopicProduceResponse { Name = topic.Name, TopicId = topic.TopicId };
            foreach (var p in topic.PartitionData)
            {
                topicResponse.PartitionResponses.Add(Fail(new ProduceResponseData.PartitionProduceResponse { Index = p.Index }, error, message));
            }
            response.Responses.Add(topicResponse);
        }
        return response;
    }
}
