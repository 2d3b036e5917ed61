using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// CreatePartitions (key 37), versions 0-3.
/// Grows a topic to Count partitions (never shrinks: INVALID_PARTITIONS).
/// The controller refuses manual assignments that name another broker.
/// </summary>
public sealed class CreatePartitionsHandler(MetadataController metadata) : ApiHandler<CreatePartitionsRequestData, CreatePartitionsResponseData>
{
    public override ApiKey ApiKey => ApiKey.CreatePartitions;

    public override VersionRange Versions => new(0, 3);

    protected override async ValueTask<CreatePartitionsResponseData?> HandleAsync(RequestContext context, CreatePartitionsRequestData request, CancellationToken cancellationToken)
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
            else
            {
                outcome = await metadata.CreatePartitions(topic.Name, topic.Count, topic.Assignments?.Select(a => (IReadOnlyList<int>)a.BrokerIds).ToList(), request.ValidateOnly);
            }
            response.Results.Add(new CreatePartitionsResponseData.CreatePartitionsTopicResult
            {
                Name = topic.Name,
                ErrorCode = (short)outcome.Error,
                ErrorMessage = outcome.Message,
            });
        }
        return response;
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
