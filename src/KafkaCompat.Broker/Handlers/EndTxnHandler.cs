using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// EndTxn (key 26), versions 0-4: the classic flavour, where the producer keeps its epoch across
/// transactions. The answer comes once the outcome is written to <c>__transaction_state</c>; the
/// markers follow. Version 5 (transaction version 2, KIP-890 part 2: a new epoch in the answer) is
/// not served yet.
/// </summary>
public sealed class EndTxnHandler(TransactionCoordinator coordinator) : ApiHandler<EndTxnRequestData, EndTxnResponseData>
{
    public override ApiKey ApiKey => ApiKey.EndTxn;

    public override VersionRange Versions => new(0, 4);

    protected override async ValueTask<EndTxnResponseData?> HandleAsync(RequestContext context, EndTxnRequestData request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId.Length == 0)
        {
            return ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidRequest, "the transactional id is empty");
        }
        var error = await coordinator.EndTransactionAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed);
        return new EndTxnResponseData { ErrorCode = (short)TransactionErrors.ForVersion(error, context.ApiVersion, 2) };
    }

    protected override EndTxnResponseData ErrorResponse(EndTxnRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
