using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// BrokerRegistration (key 62), versions 0-4: a broker joins the cluster at the controller (KIP-631).
/// The controller checks the cluster id (INCONSISTENT_CLUSTER_ID), refuses a second live incarnation of
/// a broker id while the first still has a session (DUPLICATE_BROKER_REGISTRATION), and requires every
/// finalized feature level within the broker's ranges (UNSUPPORTED_VERSION); it then records the broker
/// fenced, with its listeners and rack, at an epoch that is the offset of that record. v1 adds the ZooKeeper
/// migration flag (ZooKeeper brokers are not registered: Kafka 4 has no migration), v2 the log directories
/// (KIP-858), v3 the previous broker epoch (KIP-966, clean-shutdown detection), v4 nothing on the wire
/// (brokers that send it support ELR-aware controllers).
/// </summary>
public sealed class BrokerRegistrationHandler(MetadataController controller) : ApiHandler<BrokerRegistrationRequestData, BrokerRegistrationResponseData>
{
    public override ApiKey ApiKey => ApiKey.BrokerRegistration;

    public override VersionRange Versions => new(0, 4);

    protected override async ValueTask<BrokerRegistrationResponseData?> HandleAsync(RequestContext context, BrokerRegistrationRequestData request, CancellationToken cancellationToken)
    {
        if (request.IsMigratingZkBroker)
        {
            return ErrorResponse(request, context.ApiVersion, ErrorCode.BrokerIdNotRegistered, "Controller does not support registering ZK brokers.");
        }
        var reply = await controller.RegisterBroker(request);
        return new BrokerRegistrationResponseData { ErrorCode = (short)reply.Result.Error, BrokerEpoch = reply.Result.IsOk ? reply.BrokerEpoch : -1 };
    }

    protected override BrokerRegistrationResponseData ErrorResponse(BrokerRegistrationRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, BrokerEpoch = -1 };
}
