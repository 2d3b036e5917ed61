using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// InitProducerId (key 22), versions 0-5.
/// Idempotent producers (no transactional id) get a fresh producer id with
/// epoch 0, as Kafka gives them; v3+ producers that send their current id
/// and epoch (KIP-360) get a new id too, since nothing is fenced without a
/// transactional id. A transactional id goes to its transaction coordinator,
/// which bumps the epoch (fencing older producers) or rotates the id.
/// </summary>
public sealed class InitProducerIdHandler(ProducerIdManager producerIds, TransactionCoordinator transactions) : ApiHandler<InitProducerIdRequestData, InitProducerIdResponseData>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    public override VersionRange Versions => new(0, 5);

    protected override async ValueTask<InitProducerIdResponseData?> HandleAsync(RequestContext context, InitProducerIdRequestData request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId is null)
        {
            return new InitProducerIdResponseData { ProducerId = producerIds.NextProducerId(), ProducerEpoch = 0 };
        }
        if (request.TransactionalId.Length == 0)
        {
            return ErrorResponse(request, context.ApiVersion, ErrorCode.InvalidRequest, "the transactional id is empty");
        }
        var result = await transactions.InitProducerIdAsync(request.TransactionalId, request.TransactionTimeoutMs, request.ProducerId, request.ProducerEpoch);
        return new InitProducerIdResponseData
        {
            ErrorCode = (short)TransactionErrors.ForVersion(result.Error, context.ApiVersion, 4),
            ProducerId = result.ProducerId,
            ProducerEpoch = result.ProducerEpoch,
        };
    }

    protected override InitProducerIdResponseData ErrorResponse(InitProducerIdRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
}
