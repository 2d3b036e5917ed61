using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// FindCoordinator (key 10), versions 0-6.
/// The coordinator of a group (key type 0), a transactional id (key type 1) or a share-partition
/// (key type 2, KIP-932: the key is <c>groupId:topicId:partition</c>, asked by v6+) is the leader of its
/// partition of the internal topic, answered with its registered endpoint on the listener the request
/// came in on (as Metadata answers); COORDINATOR_NOT_AVAILABLE while that leader is not an unfenced broker.
/// Asking creates <c>__consumer_offsets</c>, <c>__transaction_state</c> or <c>__share_group_state</c>
/// when it does not exist yet, as Kafka does. Other key types are INVALID_REQUEST. v1+ has a key
/// type and error message; v4+ batches keys (KIP-699).
/// </summary>
public sealed class FindCoordinatorHandler(GroupCoordinator coordinator, TransactionCoordinator transactions, ShareCoordinator shares, MetadataController metadata)
    : ApiHandler<FindCoordinatorRequestData, FindCoordinatorResponseData>
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
                    : Leader(context, key, TopicNames.ConsumerOffsets, coordinator.PartitionFor(key));
            case TransactionKeyType:
                if (key.Length == 0)
                {
                    return Failed(key, ErrorCode.InvalidRequest, "the transactional id is empty");
                }
                return transactions.EnsureTopic() is var txnError && txnError != ErrorCode.None
                    ? Failed(key, txnError, "the __transaction_state topic could not be created")
                    : Leader(context, key, TopicNames.TransactionState, transactions.PartitionFor(key));
            case ShareKeyType:
                if (context.ApiVersion < FirstVersionWithShareKeyType)
                {
                    return Failed(key, ErrorCode.InvalidRequest, $"the share coordinator cannot be found with FindCoordinator v{context.ApiVersion}");
                }
                if (!SharePartitionKey.TryParse(key, out var shareKey))
                {
                    return Failed(key, ErrorCode.InvalidRequest, $"'{key}' is not a share coordinator key (groupId:topicId:partition)");
                }
                return shares.EnsureTopic() is var shareError && shareError != ErrorCode.None
                    ? Failed(key, shareError, "the __share_group_state topic could not be created")
                    : Leader(context, key, TopicNames.ShareGroupState, shares.PartitionFor(shareKey.CoordinatorKey));
            default:
                return Failed(key, ErrorCode.InvalidRequest, $"unknown coordinator key type {keyType}");
        }
    }

    /// <summary>The leader of the key's partition of <paramref name="topic"/>, as registered.</summary>
    private FindCoordinatorResponseData.Coordinator Leader(RequestContext context, string key, string topic, int partition)
    {
        var image = metadata.Image;
        var leader = image.Topic(topic) is { } internalTopic && partition < internalTopic.Partitions.Length ? internalTopic.Partitions[partition].Leader : -1;
        return image.Cluster.Broker(leader) is { Fenced: false } registered && registered.EndpointFor(context.ListenerName) is { } endpoint
            ? new FindCoordinatorResponseData.Coordinator { Key = key, NodeId = leader, Host = endpoint.Host, Port = endpoint.Port }
            : Failed(key, ErrorCode.CoordinatorNotAvailable, "The coordinator is not available.");
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
