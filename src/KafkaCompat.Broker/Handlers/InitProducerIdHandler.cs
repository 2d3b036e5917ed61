using KafkaCompat.Broker.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// InitProducerId (key 22), versions 0-5.
/// Idempotent producers (no transactional id) get a fresh producer id with
/// epoch 0, as Kafka gives them; v3+ producers that send their current id
/// and epoch (KIP-360) get a new id too, since nothing is fenced without a
/// transactional id. Transactional ids need the transaction coordinator,
/// which comes with the transactions issue: until then they are refused as
/// FindCoordinator refuses them (<see cref="TransactionsNotServed"/>).
/// </summary>
public sealed class InitProducerIdHandler(ProducerIdManager producerIds) : ApiHandler<InitProducerIdRequestData, InitProducerIdResponseData>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    public override VersionRange Versions => new(0, 5);

    protected override ValueTask<InitProducerIdResponseData?> HandleAsync(RequestContext context, InitProducerIdRequestData request, CancellationToken cancellationToken)
    {
        if (request.TransactionalId is not null)
        {
            return ValueTask.FromResult<InitProducerIdResponseData?>(ErrorResponse(request, context.ApiVersion, ErrorCode.TransactionalIdAuthorizationFailed, TransactionsNotServed.Message));
        }
        return ValueTask.FromResult<InitProducerIdResponseData?>(new InitProducerIdResponseData
        {
            ProducerId = producerIds.NextProducerId(),
            ProducerEpoch = 0,
        });
    }

    protected override InitProducerIdResponseData ErrorResponse(InitProducerIdRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ProducerId = -1, ProducerEpoch = -1 };
}
