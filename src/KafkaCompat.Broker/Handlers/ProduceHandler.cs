using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Transactions;
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
/// A transactional request (v3+) is checked against the producer's transaction first when
/// transaction.partition.verification.enable is on (KIP-890 part 1): a batch that would open a
/// transaction on a partition is appended only once the transaction coordinator confirms the
/// partition is in the producer's ongoing transaction (an in-process AddPartitionsToTxn VerifyOnly);
/// otherwise INVALID_TXN_STATE. Coordinator errors become what each version's producers handle, as
/// Kafka maps them (<see cref="VerificationErrors"/>). Such a request completes after the coordinator's
/// answer, and the later produce requests of its connection wait for it, so appends stay in request order.
/// v12+ is a producer of transaction version 2 (KIP-890 part 2; Kafka's ADD_PARTITION operation): the
/// leader adds the partitions to the transaction itself (an in-process AddPartitionsToTxn without
/// VerifyOnly), whatever transaction.partition.verification.enable says, since no one else adds them.
/// v13 (KIP-516) names topics by id: an id this cluster does not know is UNKNOWN_TOPIC_ID for each of its
/// partitions, and the answer names topics by id too.
/// </summary>
public sealed class ProduceHandler(ReplicaManager replicas, MetadataController metadata, TransactionCoordinator transactions, BrokerState broker, TimeProvider time)
    : ApiHandler<ProduceRequestData, ProduceResponseData>
{
    /// <summary>The first version whose transactional producer is of transaction version 2 (the Java client sends v12+ only then).</summary>
    public const short FirstImplicitAddVersion = 12;

    /// <summary>Per connection, the produce still completing (after a verification): later ones append after it.</summary>
    private readonly ConditionalWeakTable<ConnectionSession, ProduceQueue> _queues = new();

    public override ApiKey ApiKey => ApiKey.Produce;

    public override VersionRange Versions => new(0, 13);

    protected override ValueTask<ProduceResponseData?> HandleAsync(RequestContext context, ProduceRequestData request, CancellationToken cancellationToken)
    {
        if (request.Acks is not (0 or 1 or -1))
        {
            return Done(ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidRequiredAcks, $"acks must be -1, 0 or 1, not {request.Acks}"));
        }
        var version = context.ApiVersion;
        var response = new ProduceResponseData();
        var prepared = new List<PreparedAppend>();
        var names = TopicsById.Names(request.TopicData.Select(t => (t.Name, t.TopicId)), version >= 13, metadata.Image);
        foreach (var (topic, name) in request.TopicData.Zip(names))
        {
            var topicResponse = new ProduceResponseData.TopicProduceResponse { Name = topic.Name, TopicId = topic.TopicId };
            foreach (var partitionData in topic.PartitionData)
            {
                var partitionResponse = new ProduceResponseData.PartitionProduceResponse { Index = partitionData.Index };
                if (name is null)
                {
                    Fail(partitionResponse, ErrorCode.UnknownTopicId, $"This server does not host a topic with id {topic.TopicId}");
                }
                else if (Prepare(name, partitionData, version, partitionResponse) is { } append)
                {
                    prepared.Add(append);
                }
                topicResponse.PartitionResponses.Add(partitionResponse);
            }
            response.Responses.Add(topicResponse);
        }
        var verifying = request.TransactionalId is not null
            && (version >= FirstImplicitAddVersion || broker.Config.GetBool("transaction.partition.verification.enable"))
            ? StartVerification(prepared)
            : null;
        // A lock-free lookup on the common path; a connection gets its queue with its first waiting produce.
        if (verifying is null && (!_queues.TryGetValue(context.Connection, out var pending) || pending.Tail.IsCompleted))
        {
            AppendAll(prepared, null, version);
            return Done(Answer(request, response));
        }
        var queue = _queues.GetOrCreateValue(context.Connection);
        var completing = CompleteAsync(queue.Tail, request, response, prepared, verifying, version);
        queue.Tail = completing;
        return new ValueTask<ProduceResponseData?>(completing);
    }

    /// <summary>A produce whose appends wait for the one before it on the connection and for its verification.</summary>
    private async Task<ProduceResponseData?> CompleteAsync(Task previous, ProduceRequestData request, ProduceResponseData response,
        List<PreparedAppend> prepared, Verification? verifying, short version)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The earlier request's failure is its own answer; this one goes on.
        }
        var errors = verifying is null ? null : await transactions.VerifyOrAddPartitionsAsync(request.TransactionalId!, verifying.ProducerId, verifying.ProducerEpoch,
            verifying.Partitions, add: version >= FirstImplicitAddVersion).ConfigureAwait(false);
        AppendAll(prepared, errors, version);
        return Answer(request, response);
    }

    private ProduceResponseData? Answer(ProduceRequestData request, ProduceResponseData response)
    {
        if (request.Acks != 0)
        {
            return response;
        }
        return response.Responses.Any(t => t.PartitionResponses.Any(p => p.ErrorCode != 0))
            ? throw new CloseConnectionException("produce with acks=0 failed: closing so the client notices")
            : null;
    }

    /// <summary>
    /// Validates a partition's batches (up-converting legacy ones, re-encoding for the topic's
    /// compression.type); a refusal is written into <paramref name="response"/> and gives null.
    /// </summary>
    private PreparedAppend? Prepare(string topic, ProduceRequestData.PartitionProduceData data, short version, ProduceResponseData.PartitionProduceResponse response)
    {
        var partition = replicas.GetPartition(topic, data.Index);
        if (partition is null)
        {
            Fail(response, ErrorCode.UnknownTopicOrPartition, $"This server does not host this topic-partition: {topic}-{data.Index}");
            return null;
        }
        if (data.Records is not { } records)
        {
            Fail(response, ErrorCode.CorruptMessage, "the partition's records are null");
            return null;
        }
        var config = partition.Config;
        ProduceValidationError? refused = null;
        var upConverted = version <= 2 ? LegacyProduce.UpConvert(ref records, config, out refused) : null;
        PooledBufferWriter? recompressed = null;
        var appendInfo = default(LogAppendInfo);
        var invalid = refused ?? LogValidator.Validate(records, config, version, time.GetUtcNow().ToUnixTimeMilliseconds(), out appendInfo);
        var stored = invalid is null ? TopicCompression.Apply(records, config, ref appendInfo, out recompressed, out invalid) : records;
        if (invalid is not null)
        {
            upConverted?.Dispose();
            recompressed?.Dispose();
            // KIP-467: every record the batch was refused for, so the client fails exactly those.
            foreach (var recordError in invalid.RecordErrors ?? [])
            {
                response.RecordErrors.Add(new ProduceResponseData.BatchIndexAndErrorMessage { BatchIndex = recordError.RecordIndex, BatchIndexErrorMessage = recordError.Message });
            }
            response.LogStartOffset = partition.LogStartOffset;
            Fail(response, invalid.Error, invalid.Message);
            return null;
        }
        return new PreparedAppend(partition, stored, appendInfo, response, upConverted, recompressed);
    }

    /// <summary>
    /// KIP-890 part 1: each partition where the producer has no transaction open yet starts a
    /// verification (its guard); the others append with the sentinel, which may continue a
    /// transaction but never open one. Null when nothing needs the coordinator.
    /// </summary>
    private static Verification? StartVerification(List<PreparedAppend> prepared)
    {
        Verification? verification = null;
        foreach (var append in prepared)
        {
            if (Partition.TransactionalBatch(append.Info) is not { } batch)
            {
                continue;
            }
            append.Guard = append.Partition.MaybeStartTransactionVerification(batch.ProducerId, batch.ProducerEpoch) ?? TransactionVerificationGuard.Sentinel;
            if (append.Guard != TransactionVerificationGuard.Sentinel)
            {
                verification ??= new Verification(batch.ProducerId, batch.ProducerEpoch, []);
                verification.Partitions.Add(append.Partition.TopicPartition);
            }
        }
        return verification;
    }

    private static void AppendAll(List<PreparedAppend> prepared, IReadOnlyDictionary<TopicPartition, ErrorCode>? verificationErrors, short version)
    {
        foreach (var append in prepared)
        {
            using (append)
            {
                var unverified = verificationErrors?.GetValueOrDefault(append.Partition.TopicPartition, ErrorCode.None) ?? ErrorCode.None;
                if (unverified != ErrorCode.None)
                {
                    var (error, message) = VerificationErrors.ForProduce(unverified, version);
                    append.Response.LogStartOffset = append.Partition.LogStartOffset;
                    Fail(append.Response, error, message);
                    continue;
                }
                // The request buffer (or the re-encoded copy) belongs to this request: offsets are assigned in it, in place.
                var result = append.Guard is { } guard
                    ? append.Partition.AppendAsLeader(MemoryMarshal.AsMemory(append.Stored), append.Info, guard)
                    : append.Partition.AppendAsLeader(MemoryMarshal.AsMemory(append.Stored), append.Info);
                var response = append.Response;
                response.ErrorCode = (short)result.Error;
                response.ErrorMessage = result.ErrorMessage;
                response.BaseOffset = result.Error == ErrorCode.None ? result.FirstOffset : -1;
                response.LogAppendTimeMs = result.LogAppendTime;
                response.LogStartOffset = result.LogStartOffset;
            }
        }
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

    /// <summary>A partition's validated batches waiting for their append, with what they hold on to until then.</summary>
    private sealed class PreparedAppend(Partition partition, ReadOnlyMemory<byte> stored, LogAppendInfo info, ProduceResponseData.PartitionProduceResponse response,
        PooledBufferWriter? upConverted, PooledBufferWriter? recompressed) : IDisposable
    {
        public Partition Partition { get; } = partition;

        public ReadOnlyMemory<byte> Stored { get; } = stored;

        public LogAppendInfo Info { get; } = info;

        public ProduceResponseData.PartitionProduceResponse Response { get; } = response;

        /// <summary>Set for a transactional append under verification: the partition's guard, or the sentinel.</summary>
        public TransactionVerificationGuard? Guard { get; set; }

        public void Dispose()
        {
            upConverted?.Dispose();
            recompressed?.Dispose();
        }
    }

    private sealed record Verification(long ProducerId, short ProducerEpoch, List<TopicPartition> Partitions);

    private sealed class ProduceQueue
    {
        public Task Tail { get; set; } = Task.CompletedTask;
    }
}
