using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeTransactions (key 65), version 0: what <c>kafka-transactions.sh describe</c> prints for a
/// transactional id: state, producer id and epoch, timeout, start time and the partitions of the
/// open transaction. An id the coordinator does not know is TRANSACTIONAL_ID_NOT_FOUND.
/// </summary>
public sealed class DescribeTransactionsHandler(TransactionCoordinator coordinator) : ApiHandler<DescribeTransactionsRequestData, DescribeTransactionsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DescribeTransactions;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<DescribeTransactionsResponseData?> HandleAsync(RequestContext context, DescribeTransactionsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DescribeTransactionsResponseData();
        foreach (var transactionalId in request.TransactionalIds)
        {
            if (transactionalId.Length == 0)
            {
                response.TransactionStates.Add(Failed(transactionalId, ErrorCode.InvalidRequest));
                continue;
            }
            var (error, metadata) = await coordinator.DescribeAsync(transactionalId);
            if (metadata is null)
            {
                response.TransactionStates.Add(Failed(transactionalId, error));
                continue;
            }
            var state = new DescribeTransactionsResponseData.TransactionStateData
            {
                TransactionalId = transactionalId,
                TransactionState = metadata.State.KafkaName(),
                TransactionTimeoutMs = metadata.TimeoutMs,
                TransactionStartTimeMs = metadata.StartTimestampMs,
                ProducerId = metadata.ProducerId,
                ProducerEpoch = metadata.ProducerEpoch,
            };
            foreach (var topic in metadata.Partitions.GroupBy(tp => tp.Topic, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                state.Topics.Add(new DescribeTransactionsResponseData.TopicData { Topic = topic.Key, Partitions = [.. topic.Select(tp => tp.Partition).Order()] });
            }
            response.TransactionStates.Add(state);
        }
        return response;
    }

    private static DescribeTransactionsResponseData.TransactionStateData Failed(string transactionalId, ErrorCode error) =>
        new() { TransactionalId = transactionalId, ErrorCode = (short)error, TransactionState = "", ProducerId = -1, ProducerEpoch = -1, TransactionStartTimeMs = -1 };

    protected override DescribeTransactionsResponseData ErrorResponse(DescribeTransactionsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DescribeTransactionsResponseData();
        foreach (var transactionalId in request.TransactionalIds)
        {
            response.TransactionStates.Add(Failed(transactionalId, error));
        }
        return response;
    }
}
