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

    protected override async ValueTask<CreateTopicsResponseData?> HandleAsync(RequestContext context, CreateTopicsRequestData request, CancellationToken cancellationToken)
    {
        var response = new CreateTopicsResponseData();
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        // Every topic is handed to the controller before any is awaited, so their records are committed together.
        var creations = request.Topics.Select(topic => duplicates.Contains(topic.Name)
            ? Task.FromResult(new CreateTopicResult(new MetadataResult(ErrorCode.InvalidRequest, $"Create topics request from client `{context.ClientId}` contains multiple entries for the following topics: {topic.Name}")))
            : Create(topic, request.ValidateOnly)).ToList();
        foreach (var (topic, creation) in request.Topics.Zip(creations))
        {
            var result = new CreateTopicsResponseData.CreatableTopicResult { Name = topic.Name };
            var created = await creation;
            var outcome = created.Result;
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
                Describe(result, topic, created);
            }
            response.Topics.Add(result);
        }
        return response;
    }

    private Task<CreateTopicResult> Create(CreateTopicsRequestData.CreatableTopic topic, bool validateOnly) =>
        metadata.CreateTopic(
            new NewTopic(topic.Name, topic.NumPartitions, topic.ReplicationFactor,
                [.. topic.Assignments.Select(a => (a.PartitionIndex, (IReadOnlyList<int>)a.BrokerIds))],
                topic.Configs.ToDictionary(c => c.Name, c => c.Value)),
            new TopicDefaults(broker.Config.NumPartitions, (short)broker.Config.DefaultReplicationFactor),
            validateOnly);

    /// <summary>The topic as the controller created it (or would have, under validateOnly), with its configs described as DescribeConfigs would.</summary>
    private void Describe(CreateTopicsResponseData.CreatableTopicResult result, CreateTopicsRequestData.CreatableTopic request, CreateTopicResult created)
    {
        var overrides = request.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!);
        result.TopicId = created.TopicId;
        result.NumPartitions = created.NumPartitions;
        result.ReplicationFactor = created.ReplicationFactor;
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
