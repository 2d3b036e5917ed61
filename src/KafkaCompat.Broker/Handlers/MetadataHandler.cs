using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// Metadata (key 3), versions 0-13.
/// Brokers are the registered, unfenced brokers (KIP-631), each with its rack and its
/// endpoint on the listener the request came in on (a broker without that listener is left out). A null topic list (v1+) or an empty one in v0 means every
/// topic. Unknown topics are created when auto.create.topics.enable is on and
/// the request allows it (always before v4, AllowAutoTopicCreation from v4);
/// creation is synchronous here, so the answer already describes the new
/// topic. v10+ may name topics by id (KIP-516); v8+ can ask for authorized
/// operations (KIP-430; without an authorizer every operation is allowed).
/// v13 adds a top-level error code (KIP-1102, for REBOOTSTRAP_REQUIRED): 0 in an answer, the error in an error response.
/// </summary>
public sealed class MetadataHandler(MetadataController metadata, BrokerState broker) : ApiHandler<MetadataRequestData, MetadataResponseData>
{
    /// <summary>Kafka's "not requested" marker for authorized operations.</summary>
    private const int OperationsNotRequested = int.MinValue;

    // ACL operation codes (Kafka's AclOperation): READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7,
    // DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
    private static readonly int TopicOperations = Bits(3, 4, 5, 6, 7, 8, 10, 11);
    private static readonly int ClusterOperations = Bits(5, 7, 8, 9, 10, 11, 12);

    public override ApiKey ApiKey => ApiKey.Metadata;

    public override VersionRange Versions => new(0, 13);

    protected override async ValueTask<MetadataResponseData?> HandleAsync(RequestContext context, MetadataRequestData request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var config = broker.Config;
        var response = new MetadataResponseData
        {
            ClusterId = broker.ClusterId,
            ControllerId = broker.NodeId,
            ClusterAuthorizedOperations = request.IncludeClusterAuthorizedOperations ? ClusterOperations : OperationsNotRequested,
        };
        var image = metadata.Image;
        foreach (var registered in image.Cluster.UnfencedBrokers)
        {
            if (registered.EndpointFor(context.ListenerName) is { } endpoint)
            {
                response.Brokers.Add(new MetadataResponseData.MetadataResponseBroker { NodeId = registered.Id, Host = endpoint.Host, Port = endpoint.Port, Rack = registered.Rack });
            }
        }

        var allTopics = request.Topics is null || (version == 0 && request.Topics.Count == 0);
        if (allTopics)
        {
            foreach (var topic in image.Topics.Values)
            {
                response.Topics.Add(Describe(topic, request));
            }
            return response;
        }
        var autoCreate = config.AutoCreateTopicsEnable && (version < 4 || request.AllowAutoTopicCreation);
        foreach (var wanted in request.Topics!)
        {
            if (wanted.Name is null)
            {
                response.Topics.Add(image.Topic(wanted.TopicId) is { } byId
                    ? Describe(byId, request)
                    : new MetadataResponseData.MetadataResponseTopic { ErrorCode = (short)ErrorCode.UnknownTopicId, TopicId = wanted.TopicId, Name = null });
                continue;
            }
            var topic = image.Topic(wanted.Name);
            var error = TopicNames.ErrorFor(wanted.Name);
            if (topic is null && error == ErrorCode.None && autoCreate)
            {
                var created = await metadata.CreateTopic(wanted.Name, config.NumPartitions, new Dictionary<string, string>());
                topic = metadata.Image.Topic(wanted.Name);
                error = topic is null ? created.Error : ErrorCode.None;
            }
            response.Topics.Add(topic is not null
                ? Describe(topic, request)
                : new MetadataResponseData.MetadataResponseTopic
                {
                    Name = wanted.Name,
                    ErrorCode = (short)(error == ErrorCode.None ? ErrorCode.UnknownTopicOrPartition : error),
                    TopicAuthorizedOperations = OperationsNotRequested,
                });
        }
        return response;
    }

    private static MetadataResponseData.MetadataResponseTopic Describe(TopicImage topic, MetadataRequestData request)
    {
        var response = new MetadataResponseData.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = topic.Id,
            IsInternal = TopicNames.IsInternal(topic.Name),
            TopicAuthorizedOperations = request.IncludeTopicAuthorizedOperations ? TopicOperations : OperationsNotRequested,
        };
        foreach (var p in topic.Partitions)
        {
            response.Partitions.Add(new MetadataResponseData.MetadataResponsePartition
            {
                PartitionIndex = p.Partition,
                LeaderId = p.Leader,
                LeaderEpoch = p.LeaderEpoch,
                ReplicaNodes = [.. p.Replicas],
                IsrNodes = [.. p.Isr],
            });
        }
        return response;
    }

    private static int Bits(params int[] operations) => operations.Aggregate(0, (acc, op) => acc | (1 << op));

    protected override MetadataResponseData ErrorResponse(MetadataRequestData request, short version, ErrorCode error, string message)
    {
        // Before v13 the error has nowhere to go but the topics asked for.
        var response = new MetadataResponseData { ErrorCode = version >= 13 ? (short)error : (short)0 };
        foreach (var topic in request.Topics ?? [])
        {
            response.Topics.Add(new MetadataResponseData.MetadataResponseTopic { Name = topic.Name, TopicId = topic.TopicId, ErrorCode = (short)error });
        }
        return response;
    }
}
