using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// AlterConfigs (key 33), versions 0-2: the legacy form, where the given set
/// replaces all of the resource's dynamic configs. Topics, this broker
/// (or "" for the cluster default) and groups (32), as Kafka 4.x's controller
/// takes them; read-only broker configs are refused.
/// </summary>
public sealed class AlterConfigsHandler(ConfigAdmin configs) : ApiHandler<AlterConfigsRequestData, AlterConfigsResponseData>
{
    public override ApiKey ApiKey => ApiKey.AlterConfigs;

    public override VersionRange Versions => new(0, 2);

    protected override async ValueTask<AlterConfigsResponseData?> HandleAsync(RequestContext context, AlterConfigsRequestData request, CancellationToken cancellationToken)
    {
        var response = new AlterConfigsResponseData();
        foreach (var resource in request.Resources)
        {
            var result = await configs.Alter(resource.ResourceType, resource.ResourceName, resource.Configs.ToDictionary(c => c.Name, c => c.Value), request.ValidateOnly);
            response.Responses.Add(new AlterConfigsResponseData.AlterConfigsResourceResponse
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
                ErrorCode = (short)result.Error,
                ErrorMessage = result.Message,
            });
        }
        return response;
    }

    protected override AlterConfigsResponseData ErrorResponse(AlterConfigsRequestData request, short version, ErrorCode error, string message)
    {
        var response = new AlterConfigsResponseData();
        foreach (var resource in request.Resources)
        {
            response.Responses.Add(new AlterConfigsResponseData.AlterConfigsResourceResponse { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName, ErrorCode = (short)error, ErrorMessage = message });
        }
        return response;
    }
}
