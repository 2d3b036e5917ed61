using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// FindCoordinator (key 10), versions 0-6.
/// This node coordinates every group (key type 0), every transactional id (key type 1) and every
/// share-partition (key type 2, KIP-932: the key is <c>groupId:topicId:partition</c>, asked by v6+):
/// the answer is the advertised endpoint of the listener the request came in on (as Metadata answers).
/// Asking creates <c>__consumer_offsets</c>, <c>__transaction_state</c> or <c>__share_group_state</c>
/// when it does not exist yet, as Kafka does. Other key types are INVALID_REQUEST. v1+ has a key
/// type and error message; v4+ batches keys (KIP-699).
/// </summary>
public sealed class FindCoordinatorHandler(GroupCoordinator coordinator, TransactionCoordinator transactions, ShareCoordinator shares, BrokerState broker) : ApiHandler<FindCoordinatorRequestData, FindCoordinatorResponseData>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;
    private const sbyte ShareKeyType = 2;
    private const short FirstVersionWithShareKeyType = 6;

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
                return coordinator.EnsureOffsetsTopic() is var groupError && groupError != ErrorCode.None
                    ? Failed(key, groupError, "the __consumer_offsets topic could not be created")
                    : ThisNode(context, key);
            case TransactionKeyType:
                if (key.Length == 0)
                {
                    return Failed(key, ErrorCode.InvalidRequest, "the transactional id is empty");
                }
                return transactions.EnsureTopic() is var txnError && txnError != ErrorCode.None
                    ? Failed(key, txnError, "the __transaction_state topic could not be created")
                    : ThisNode(context, key);
            case ShareKeyType:
                if (context.ApiVersion < FirstVersionWithShareKeyType)
                {
                    return Failed(key, ErrorCode.InvalidRequest, $"the share coordinator cannot be found with FindCoordinator v{context.ApiVersion}");
                }
                if (!SharePartitionKey.TryParse(key, out _))
                {
                    return Failed(key, ErrorCode.InvalidRequest, $"'{key}' is not a share coordinator key (groupId:topicId:partition)");
                }
                return shares.EnsureTopic() is var shareError && shareError != ErrorCode.None
                    ? Failed(key, shareError, "the __share_group_state topic could not be created")
                    : ThisNode(context, key);
            default:
                return Failed(key, ErrorCode.InvalidRequest, $"unknown coordinator key type {keyType}");
        }
    }

    private FindCoordinatorResponseData.Coordinator ThisNode(RequestContext context, string key) =>
        broker.AdvertisedFor(context.ListenerName) is { } endpoint
            ? new FindCoordinatorResponseData.Coordinator { Key = key, NodeId = broker.NodeId, Host = endpoint.Host, Port = endpoint.Port }
            : Failed(key, ErrorCode.CoordinatorNotAvailable, "no advertised listener");

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
