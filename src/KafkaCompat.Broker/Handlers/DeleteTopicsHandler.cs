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

    protected override async ValueTask<DeleteTopicsResponseData?> HandleAsync(RequestContext context, DeleteTopicsRequestData request, CancellationToken cancellationToken)
    {
        var response = new DeleteTopicsResponseData();
        // Every topic is handed to the controller before any is awaited, so their records are committed together.
        var deletions = Targets(request, context.ApiVersion).Select(t => Delete(t.Name, t.Id)).ToList();
        foreach (var deletion in deletions)
        {
            var deleted = await deletion;
            response.Responses.Add(new DeleteTopicsResponseData.DeletableTopicResult
            {
                Name = deleted.Name,
                TopicId = deleted.TopicId,
                ErrorCode = (short)deleted.Result.Error,
                ErrorMessage = deleted.Result.Message,
            });
        }
        return response;
    }

    private static IEnumerable<(string? Name, Uuid Id)> Targets(DeleteTopicsRequestData request, short version) =>
        version >= 6 ? request.Topics.Select(t => (t.Name, t.TopicId)) : request.TopicNames.Select(n => ((string?)n, Uuid.Zero));

    private Task<DeleteTopicResult> Delete(string? name, Uuid id) => broker.Config.DeleteTopicEnable
        ? metadata.DeleteTopic(name, id)
        : Task.FromResult(new DeleteTopicResult(new MetadataResult(ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled."), name, id));

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
