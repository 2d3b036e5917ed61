using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ListTransactions (key 66), versions 0-2: every transactional id this node coordinates, filtered
/// by state names and producer ids (empty filter: all) and, from v1 (KIP-994), to transactions open
/// longer than DurationFilter ms (measured from the transaction's start time). State names Kafka does not know come back in UnknownStateFilters.
/// v2 (KIP-1152) adds TransactionalIdPattern: null or empty lists every id, otherwise only the ids the
/// whole pattern matches (<see cref="TransactionalIdPattern"/>); a pattern that is not a valid RE2/J
/// expression answers INVALID_REGULAR_EXPRESSION and lists nothing. Every filter must hold (AND).
/// </summary>
public sealed class ListTransactionsHandler(TransactionCoordinator coordinator, TimeProvider time) : ApiHandler<ListTransactionsRequestData, ListTransactionsResponseData>
{
    public override ApiKey ApiKey => ApiKey.ListTransactions;

    public override VersionRange Versions => new(0, 2);

    protected override async ValueTask<ListTransactionsResponseData?> HandleAsync(RequestContext context, ListTransactionsRequestData request, CancellationToken cancellationToken)
    {
        var response = new ListTransactionsResponseData();
        var states = new HashSet<TransactionState>();
        foreach (var name in request.StateFilters)
        {
            if (TransactionStates.TryParseKafkaName(name, out var state))
            {
                states.Add(state);
            }
            else
            {
                response.UnknownStateFilters.Add(name);
            }
        }
        var producerIds = request.ProducerIdFilters.ToHashSet();
        var (error, all) = await coordinator.ListAsync();
        if (error != ErrorCode.None)
        {
            // Kafka lists nothing while any partition of __transaction_state is still loading.
            response.ErrorCode = (short)error;
            return response;
        }
        if (!TransactionalIdPattern.TryCompile(request.TransactionalIdPattern, out var pattern))
        {
            return new ListTransactionsResponseData { ErrorCode = (short)ErrorCode.InvalidRegularExpression };
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var transaction in all)
        {
            // A state filter naming only unknown states matches nothing, as in Kafka.
            if ((request.StateFilters.Count > 0 && !states.Contains(transaction.State))
                || (producerIds.Count > 0 && !producerIds.Contains(transaction.ProducerId))
                || (request.DurationFilter >= 0 && now - transaction.StartTimestampMs <= request.DurationFilter)
                || transaction.State == TransactionState.Dead
                || (pattern is not null && !pattern.Matches(transaction.TransactionalId)))
            {
                continue;
            }
            response.TransactionStates.Add(new ListTransactionsResponseData.TransactionStateData
            {
                TransactionalId = transaction.TransactionalId,
                ProducerId = transaction.ProducerId,
                TransactionState = transaction.State.KafkaName(),
            });
        }
        return response;
    }

    protected override ListTransactionsResponseData ErrorResponse(ListTransactionsRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
