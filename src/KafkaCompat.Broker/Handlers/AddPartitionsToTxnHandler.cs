using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;
using static KafkaCompat.Protocol.Messages.AddPartitionsToTxnResponseData;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// AddPartitionsToTxn (key 24), versions 0-5. Up to v3 a producer adds partitions to its one open
/// transaction; from v4 (KIP-890 part 1) a request batches transactions, and a VerifyOnly one asks
/// whether each partition is already in its producer's transaction (partition leaders ask this
/// before a transactional append). Partitions of topics that do not exist fail with
/// UNKNOWN_TOPIC_OR_PARTITION and the rest of that transaction with OPERATION_NOT_ATTEMPTED, with
/// nothing added, as Kafka answers. As Kafka derives it, an add of v4+ (a broker's implicit add for a
/// producer of transaction version 2, KIP-890 part 2) is of transaction version 2, one of v0-3 of the
/// classic flavour; Kafka does not refuse a client's v0-3 add on a cluster at transaction version 2.
/// </summary>
public sealed class AddPartitionsToTxnHandler(TransactionCoordinator coordinator, MetadataController metadata)
    : ApiHandler<AddPartitionsToTxnRequestData, AddPartitionsToTxnResponseData>
{
    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<AddPartitionsToTxnResponseData?> HandleAsync(RequestContext context, AddPartitionsToTxnRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        if (version <= 3)
        {
            var topics = await HandleOneAsync(request.V3AndBelowTransactionalId, request.V3AndBelowProducerId, request.V3AndBelowProducerEpoch, verifyOnly: false, request.V3AndBelowTopics, version);
            return new AddPartitionsToTxnResponseData { ResultsByTopicV3AndBelow = topics };
        }
        var response = new AddPartitionsToTxnResponseData();
        foreach (var transaction in request.Transactions)
        {
            response.ResultsByTransaction.Add(new AddPartitionsToTxnResult
            {
                TransactionalId = transaction.TransactionalId,
                TopicResults = await HandleOneAsync(transaction.TransactionalId, transaction.ProducerId, transaction.ProducerEpoch, transaction.VerifyOnly, transaction.Topics, version),
            });
        }
        return response;
    }

    private async Task<AddPartitionsToTxnTopicResultCollection> HandleOneAsync(string transactionalId, long producerId, short producerEpoch, bool verifyOnly,
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics, short version)
    {
        var partitions = topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p))).ToList();
        if (transactionalId.Length == 0)
        {
            return Results(partitions, _ => ErrorCode.InvalidRequest);
        }
        var image = metadata.Image;
        var unknown = partitions.Where(tp => image.Topic(tp.Topic) is not { } topic || tp.Partition < 0 || tp.Partition >= topic.Partitions.Length).ToHashSet();
        if (unknown.Count > 0)
        {
            return Results(partitions, tp => unknown.Contains(tp) ? ErrorCode.UnknownTopicOrPartition : ErrorCode.OperationNotAttempted);
        }
        if (verifyOnly)
        {
            var (error, verified) = await coordinator.VerifyPartitionsAsync(transactionalId, producerId, producerEpoch, partitions);
            return Results(partitions, tp => error != ErrorCode.None ? error : verified.GetValueOrDefault(tp, ErrorCode.InvalidTxnState));
        }
        var clientTransactionVersion = version >= 4 ? TransactionMetadata.TransactionVersion2 : (short)0;
        var added = TransactionErrors.ForVersion(await coordinator.AddPartitionsAsync(transactionalId, producerId, producerEpoch, partitions, clientTransactionVersion), version, 2);
        return Results(partitions, _ => added);
    }

    private static AddPartitionsToTxnTopicResultCollection Results(IEnumerable<TopicPartition> partitions, Func<TopicPartition, ErrorCode> error)
    {
        var results = new AddPartitionsToTxnTopicResultCollection();
        foreach (var topic in partitions.GroupBy(tp => tp.Topic, StringComparer.Ordinal))
        {
            var result = new AddPartitionsToTxnTopicResult { Name = topic.Key };
            foreach (var tp in topic.Distinct())
            {
                result.ResultsByPartition.Add(new AddPartitionsToTxnPartitionResult { PartitionIndex = tp.Partition, PartitionErrorCode = (short)error(tp) });
            }
            results.Add(result);
        }
        return results;
    }

    protected override AddPartitionsToTxnResponseData ErrorResponse(AddPartitionsToTxnRequestData request, short version, ErrorCode error, string message)
    {
        if (version <= 3)
        {
            return new AddPartitionsToTxnResponseData
            {
                ResultsByTopicV3AndBelow = Results(request.V3AndBelowTopics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p))), _ => error),
            };
        }
        return new AddPartitionsToTxnResponseData { ErrorCode = (short)error };
    }
}
