using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// UnregisterBroker (key 64), version 0 (KIP-631): what <c>kafka-cluster unregister --id N</c> sends to
/// forget a decommissioned broker. BROKER_ID_NOT_REGISTERED for an id that is not registered. Served on
/// broker and controller listeners alike, as in Kafka (a broker forwards it; here the controller is in process).
/// </summary>
public sealed class UnregisterBrokerHandler(MetadataController controller) : ApiHandler<UnregisterBrokerRequestData, UnregisterBrokerResponseData>
{
    public override ApiKey ApiKey => ApiKey.UnregisterBroker;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<UnregisterBrokerResponseData?> HandleAsync(RequestContext context, UnregisterBrokerRequestData request, CancellationToken cancellationToken)
    {
        var result = await controller.UnregisterBroker(request.BrokerId);
        return new UnregisterBrokerResponseData { ErrorCode = (short)result.Error, ErrorMessage = result.Message };
    }

    protected override UnregisterBrokerResponseData ErrorResponse(UnregisterBrokerRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };
}
