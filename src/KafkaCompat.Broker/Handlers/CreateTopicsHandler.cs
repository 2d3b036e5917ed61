using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// CreateTopics (key 19), versions 0-7.
/// The controller applies CreateTopics' rules (<see cref="MetadataController.CreateTopic(NewTopic, TopicDefaults, bool)"/>):
/// -1 partitions or replication factor take the broker defaults (v4+,
/// KIP-464); this node is the only broker, so a replication factor above 1
/// is INVALID_REPLICATION_FACTOR and manual assignments may only name it;
/// configs are validated like Kafka's (INVALID_CONFIG with Kafka's message).
/// validateOnly (v1+) checks everything and creates nothing. v5+ answers
/// with the topic's partitions, replication factor and configs (KIP-525),
/// v7+ with its topic id (KIP-516). A config the log does not act on yet is named in a warning.
/// </summary>
public sealed class CreateTopicsHandler(MetadataController metadata, BrokerState broker, ILogger<CreateTopicsHandler> logger) : ApiHandler<CreateTopicsRequestData, CreateTopicsResponseData>
{
    public override ApiKey ApiKey => ApiKey.CreateTopics;

    public override VersionRange Versions => new(0, 7);

    protected override ValueTask<CreateTopicsResponseData?> HandleAsync(RequestContext context, CreateTopicsRequestData request, CancellationToken cancellationToken)
    {
        var response = new CreateTopicsResponseData();
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var topic in request.Topics)
        {
            var result = new CreateTopicsResponseData.CreatableTopicResult { Name = topic.Name };
            var outcome = duplicates.Contains(topic.Name)
                ? new MetadataResult(ErrorCode.InvalidRequest, $"Create topics request from client `{context.ClientId}` contains multiple entries for the following topics: {topic.Name}")
                : Create(topic, request.ValidateOnly);
            result.ErrorCode = (short)outcome.Error;
            result.ErrorMessage = outcome.Message;
            if (outcome.IsOk)
            {
                foreach (var warning in ConfigsNotActedOn.ForTopicConfigs(topic.Configs.Where(c => c.Value is not null).Select(c => c.Name)))
                {
                    logger.LogWarning("Topic {Topic}: {Warning}", topic.Name, warning);
                }
            }
            if (outcome.IsOk && context.ApiVersion >= 5)
            {
                Describe(result, topic);
            }
            response.Topics.Add(result);
        }
        return ValueTask.FromResult<CreateTopicsResponseData?>(response);
    }

    private MetadataResult Create(CreateTopicsRequestData.CreatableTopic topic, bool validateOnly) =>
        metadata.CreateTopic(
            new NewTopic(topic.Name, topic.NumPartitions, topic.ReplicationFactor,
                [.. topic.Assignments.Select(a => (a.PartitionIndex, (IReadOnlyList<int>)a.BrokerIds))],
                topic.Configs.ToDictionary(c => c.Name, c => c.Value)),
            new TopicDefaults(broker.Config.NumPartitions, (short)broker.Config.DefaultReplicationFactor),
            validateOnly);

    private void Describe(CreateTopicsResponseData.CreatableTopicResult result, CreateTopicsRequestData.CreatableTopic request)
    {
        var image = metadata.Image.Topic(request.Name);
        var overrides = image?.Configs ?? (IReadOnlyDictionary<string, string>)request.Configs.ToDictionary(c => c.Name, c => c.Value ?? "");
        result.TopicId = image?.Id ?? Uuid.Zero;
        result.NumPartitions = image?.Partitions.Length ?? (request.NumPartitions == -1 ? broker.Config.NumPartitions : request.NumPartitions);
        result.ReplicationFactor = 1;
        result.Configs = [.. TopicConfigs.Describe(broker.Config, overrides, includeSynonyms: false).Select(e => new CreateTopicsResponseData.CreatableTopicConfigs
        {
            Name = e.Name,
            Value = e.IsSensitive ? null : e.Value,
            ReadOnly = e.IsReadOnly,
            ConfigSource = (sbyte)e.Source,
            IsSensitive = e.IsSensitive,
        })];
    }

    protected override CreateTopicsResponseData ErrorResponse(CreateTopicsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new CreateTopicsResponseData();
        foreach (var topic in request.Topics)
        {
            response.Topics.Add(new CreateTopicsResponseData.CreatableTopicResult { Name = topic.Name, ErrorCode = (short)error, ErrorMessage = message });
        }
        return response;
    }
}
