using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// CreatePartitions (key 37), versions 0-3.
/// Grows a topic to Count partitions (never shrinks: INVALID_PARTITIONS).
/// Manual assignments may only name this broker.
/// </summary>
public sealed class CreatePartitionsHandler(MetadataController metadata, BrokerState broker) : ApiHandler<CreatePartitionsRequestData, CreatePartitionsResponseData>
{
    public override ApiKey ApiKey => ApiKey.CreatePartitions;

    public override VersionRange Versions => new(0, 3);

    protected override ValueTask<CreatePartitionsResponseData?> HandleAsync(RequestContext context, CreatePartitionsRequestData request, CancellationToken cancellationToken)
    {
        var response = new CreatePartitionsResponseData();
        var duplicates = request.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var topic in request.Topics)
        {
            MetadataResult outcome;
            if (duplicates.Contains(topic.Name))
            {
                outcome = new(ErrorCode.InvalidRequest, "Duplicate topic in request.");
            }
            else if (topic.Assignments is { } assignments && assignments.Any(a => a.BrokerIds.Any(id => id != broker.NodeId)))
            {
                outcome = new(ErrorCode.InvalidReplicaAssignment, $"The manual partition assignment includes a broker other than {broker.NodeId}.");
            }
            else
            {
                outcome = metadata.CreatePartitions(topic.Name, topic.Count, request.ValidateOnly);
            }
            response.Results.Add(new CreatePartitionsResponseData.CreatePartitionsTopicResult
            {
                Name = topic.Name,
                ErrorCode = (short)outcome.Error,
                ErrorMessage = outcome.Message,
            });
        }
        return ValueTask.FromResult<CreatePartitionsResponseData?>(response);
    }

    protected override CreatePartitionsResponseData ErrorResponse(CreatePartitionsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new CreatePartitionsResponseData();
        foreach (var topic in request.Topics)
        {
            response.Results.Add(new CreatePartitionsResponseData.CreatePartitionsTopicResult { Name = topic.Name, ErrorCode = (short)error, ErrorMessage = message });
        }
        return response;
    }
}
