using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// FindCoordinator (key 10), versions 0-6.
/// This node coordinates every group: the answer is the advertised endpoint of the listener the
/// request came in on (as Metadata answers). Asking for a group creates <c>__consumer_offsets</c>
/// when it does not exist yet, as Kafka does. Other key types are INVALID_REQUEST. v1+ has a key
/// type and error message; v4+ batches keys (KIP-699).
/// Key type 1 (transactional id): until the transaction coordinator exists no transactional id
/// may be used, and the answer is the one Kafka gives a principal that may not describe the id,
/// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, with a message that names the reason. It is the one
/// answer every client takes as final at once: librdkafka, the Java client and kafkajs retry
/// COORDINATOR_NOT_AVAILABLE until their timeout (a retriable error 15 s or more later), and
/// librdkafka has no other FindCoordinator error it treats as fatal.
/// </summary>
public sealed class FindCoordinatorHandler(GroupCoordinator coordinator, BrokerState broker) : ApiHandler<FindCoordinatorRequestData, FindCoordinatorResponseData>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public override ApiKey ApiKey => ApiKey.FindCoordinator;

    public override VersionRange Versions => new(0, 6);

    protected override ValueTask<FindCoordinatorResponseData?> HandleAsync(RequestContext context, FindCoordinatorRequestData request, CancellationToken cancellationToken)
    {
        var response = new FindCoordinatorResponseData();
        if (context.ApiVersion >= 4)
        {
            foreach (var key in request.CoordinatorKeys)
            {
                response.Coordinators.Add(Find(context, request.KeyType, key));
            }
        }
        else
        {
            var found = Find(context, request.KeyType, request.Key);
            response.ErrorCode = found.ErrorCode;
            response.ErrorMessage = found.ErrorMessage;
            response.NodeId = found.NodeId;
            response.Host = found.Host;
            response.Port = found.Port;
        }
        return ValueTask.FromResult<FindCoordinatorResponseData?>(response);
    }

    private FindCoordinatorResponseData.Coordinator Find(RequestContext context, sbyte keyType, string key)
    {
        switch (keyType)
        {
            case GroupKeyType:
                var error = coordinator.EnsureOffsetsTopic();
                if (error != ErrorCode.None)
                {
                    return Failed(key, error, "the __consumer_offsets topic could not be created");
                }
                return broker.AdvertisedFor(context.ListenerName) is { } endpoint
                    ? new FindCoordinatorResponseData.Coordinator { Key = key, NodeId = broker.NodeId, Host = endpoint.Host, Port = endpoint.Port }
                    : Failed(key, ErrorCode.CoordinatorNotAvailable, "no advertised listener");
            case TransactionKeyType:
                return Failed(key, ErrorCode.TransactionalIdAuthorizationFailed, TransactionsNotServed.Message);
            default:
                return Failed(key, ErrorCode.InvalidRequest, $"unknown coordinator key type {keyType}");
        }
    }

    private static FindCoordinatorResponseData.Coordinator Failed(string key, ErrorCode error, string message) =>
        new() { Key = key, ErrorCode = (short)error, ErrorMessage = message, NodeId = -1, Host = "", Port = -1 };

    protected override FindCoordinatorResponseData ErrorResponse(FindCoordinatorRequestData request, short version, ErrorCode error, string message)
    {
        var response = new FindCoordinatorResponseData();
        if (version >= 4)
        {
            foreach (var key in request.CoordinatorKeys)
            {
                response.Coordinators.Add(Failed(key, error, message));
            }
            return response;
        }
        response.ErrorCode = (short)error;
        response.ErrorMessage = message;
        response.NodeId = -1;
        response.Host = "";
        response.Port = -1;
        return response;
    }
}
