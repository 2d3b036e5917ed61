using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DescribeCluster (key 60), versions 0-2.
/// The registered, unfenced brokers (KIP-631) with their racks and their endpoints on the request's
/// listener; this node is the controller. v1 may ask for controllers (EndpointType 2, KIP-919): a broker
/// answers MISMATCHED_ENDPOINT_TYPE, as Kafka's do. v2 (KIP-1073) may ask for fenced brokers too, and
/// marks each broker's fencing.
/// </summary>
public sealed class DescribeClusterHandler(MetadataController metadata, BrokerState broker) : ApiHandler<DescribeClusterRequestData, DescribeClusterResponseData>
{
    private const sbyte BrokerEndpoints = 1;
    // Without an authorizer every cluster operation is allowed (bits of Kafka's AclOperation codes 5, 7-12).
    private const int AllClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

    public override ApiKey ApiKey => ApiKey.DescribeCluster;

    public override VersionRange Versions => new(0, 2);

    protected override ValueTask<DescribeClusterResponseData?> HandleAsync(RequestContext context, DescribeClusterRequestData request, CancellationToken cancellationToken)
    {
        if (request.EndpointType != BrokerEndpoints)
        {
            return ValueTask.FromResult<DescribeClusterResponseData?>(ErrorResponse(request, context.ApiVersion, ErrorCode.MismatchedEndpointType, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"));
        }
        var response = new DescribeClusterResponseData
        {
            ClusterId = broker.ClusterId,
            ControllerId = broker.NodeId,
            EndpointType = BrokerEndpoints,
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? AllClusterOperations : int.MinValue,
        };
        foreach (var registered in metadata.Image.Cluster.Brokers.Values.Where(b => !b.Fenced || (context.ApiVersion >= 2 && request.IncludeFencedBrokers)))
        {
            if (registered.EndpointFor(context.ListenerName) is { } endpoint)
            {
                response.Brokers.Add(new DescribeClusterResponseData.DescribeClusterBroker
                {
                    BrokerId = registered.Id,
                    Host = endpoint.Host,
                    Port = endpoint.Port,
                    Rack = registered.Rack,
                    IsFenced = registered.Fenced,
                });
            }
        }
        return ValueTask.FromResult<DescribeClusterResponseData?>(response);
    }

    protected override DescribeClusterResponseData ErrorResponse(DescribeClusterRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message, ClusterId = broker.ClusterId, EndpointType = version >= 1 ? request.EndpointType : BrokerEndpoints };
}
