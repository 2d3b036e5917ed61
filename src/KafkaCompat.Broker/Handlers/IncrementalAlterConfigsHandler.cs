using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs (key 44), versions 0-1 (KIP-339): SET, DELETE,
/// APPEND and SUBTRACT on single configs of a topic, this broker (or ""
/// for the cluster default) or a group (KIP-848's GROUP resource, 32), each
/// change kept as a metadata record.
/// </summary>
public sealed class IncrementalAlterConfigsHandler(ConfigAdmin configs) : ApiHandler<IncrementalAlterConfigsRequestData, IncrementalAlterConfigsResponseData>
{
    public override ApiKey ApiKey => ApiKey.IncrementalAlterConfigs;

    public override VersionRange Versions => new(0, 1);

    protected override async ValueTask<IncrementalAlterConfigsResponseData?> HandleAsync(RequestContext context, IncrementalAlterConfigsRequestData request, CancellationToken cancellationToken)
    {
        var response = new IncrementalAlterConfigsResponseData();
        foreach (var resource in request.Resources)
        {
            var result = resource.Configs.Any(c => c.ConfigOperation is < 0 or > 3)
                ? ConfigResult.InvalidRequest("Unknown config operation")
                : await configs.IncrementalAlter(resource.ResourceType, resource.ResourceName,
                    [.. resource.Configs.Select(c => new AlterConfigOp(c.Name, (ConfigOperation)c.ConfigOperation, c.Value))], request.ValidateOnly);
            response.Responses.Add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
                ErrorCode = (short)result.Error,
                ErrorMessage = result.Message,
            });
        }
        return response;
    }

    protected override IncrementalAlterConfigsResponseData ErrorResponse(IncrementalAlterConfigsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new IncrementalAlterConfigsResponseData();
        foreach (var resource in request.Resources)
        {
            response.Responses.Add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error, ErrorMessage = message });
        }
        return response;
    }
}
