using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// EndTxn (key 26), versions 0-5. The answer comes once the outcome is written to
/// <c>__transaction_state</c>; the markers follow. Versions 0-4 are the classic flavour, where the
/// producer keeps its epoch across transactions. Version 5 is transaction version 2 (KIP-890 part 2;
/// Kafka derives the client's transaction version from this request's version alone): the epoch is
/// bumped at every end, and the answer carries the producer id and epoch of the next transaction
/// (a new producer id at epoch 0 when the epoch would overflow).
/// </summary>
public sealed class EndTxnHandler(TransactionCoordinator coordinator) : ApiHandler<EndTxnRequestData, EndTxnResponseData>
{
    /// <summary>The first EndTxn version of transaction version 2.</summary>
    public const short FirstTransactionVersion2Version = 5;

    public override ApiKey ApiKey => ApiKey.EndTxn;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<EndTxnResponseData?> HandleAsync(RequestContext context, EndTxnRequestData request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId.Length == 0)
        {
            return ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidRequest, "the transactional id is empty");
        }
        var clientTransactionVersion = context.ApiVersion >= FirstTransactionVersion2Version ? TransactionMetadata.TransactionVersion2 : (short)0;
        var result = await coordinator.EndTransactionAsync(request.TransactionalId, request.ProducerId, request.ProducerEpoch, request.Committed, clientTransactionVersion);
        return new EndTxnResponseData
        {
            ErrorCode = (short)TransactionErrors.ForVersion(result.Error, context.ApiVersion, 2),
            ProducerId = result.ProducerId,
            ProducerEpoch = result.ProducerEpoch,
        };
    }

    protected override EndTxnResponseData ErrorResponse(EndTxnRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error };
}
