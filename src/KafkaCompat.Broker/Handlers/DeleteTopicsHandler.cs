using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// DeleteTopics (key 20), versions 0-6.
/// By name (v0-5 TopicNames), or by name or id (v6+, KIP-516). Refused with
/// TOPIC_DELETION_DISABLED when delete.topic.enable is off. The topic's logs
/// are deleted as the replica manager sees the RemoveTopicRecord.
/// </summary>
public sealed class DeleteTopicsHandler(MetadataController metadata, BrokerState broker) : ApiHandler<DeleteTopicsRequestData, DeleteTopicsResponseData>
{
    public override ApiKey ApiKey => ApiKey.DeleteTopics;

    public override VersionRange Versions => new(0, 6);

    protected override ValueTask<DeleteTopicsResponseData?> HandleAsync(RequestContext context, DeleteTopicsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DeleteTopicsResponseData();
        foreach (var (name, id) in Targets(request, context.ApiVersion))
        {
            response.Responses.Add(Delete(name, id));
        }
        return ValueTask.FromResult<DeleteTopicsResponseData?>(response);
    }

    private static IEnumerable<(string? Name, Uuid Id)> Targets(DeleteTopicsRequestData request, short version) =>
        version >= 6 ? request.Topics.Select(t => (t.Name, t.TopicId)) : request.TopicNames.Select(n => ((string?)n, Uuid.Zero));

    private DeleteTopicsResponseData.DeletableTopicResult Delete(string? name, Uuid id)
    {
        var result = new DeleteTopicsResponseData.DeletableTopicResult { Name = name, TopicId = id };
        var image = metadata.Image;
        var topic = name is not null ? image.Topic(name) : image.Topic(id);
        MetadataResult outcome;
        if (!broker.Config.DeleteTopicEnable)
        {
            outcome = new(ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled.");
        }
        else if (topic is null)
        {
            outcome = name is not null
                ? new(ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.")
                : new(ErrorCode.UnknownTopicId, $"This server does not host topic id {id}.");
        }
        else if (name is not null && id != Uuid.Zero && topic.Id != id)
        {
            outcome = new(ErrorCode.InvalidRequest, $"Topic {name} has id {topic.Id}, not {id}.");
        }
        else
        {
            result.Name = topic.Name;
            result.TopicId = topic.Id;
            outcome = metadata.DeleteTopic(topic.Id);
        }
        result.ErrorCode = (short)outcome.Error;
        result.ErrorMessage = outcome.Message;
        return result;
    }

    protected override DeleteTopicsResponseData ErrorResponse(DeleteTopicsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new DeleteTopicsResponseData();
        foreach (var (name, id) in Targets(request, version))
        {
            response.Responses.Add(new DeleteTopicsResponseData.DeletableTopicResult { Name = name, TopicId = id, ErrorCode = (short)error, ErrorMessage = message });
        }
        return response;
    }
}
