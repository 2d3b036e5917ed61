using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ControllerRegistration (key 70), version 0 (KIP-919): a controller records its listeners and
/// supported features in the metadata log (RegisterControllerRecord), so that DescribeCluster on a
/// controller endpoint can list the quorum and feature upgrades can check every controller.
/// </summary>
public sealed class ControllerRegistrationHandler(MetadataController controller) : ApiHandler<ControllerRegistrationRequestData, ControllerRegistrationResponseData>
{
    public override ApiKey ApiKey => ApiKey.ControllerRegistration;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<ControllerRegistrationResponseData?> HandleAsync(RequestContext context, ControllerRegistrationRequestData request, CancellationToken cancellationToken)
    {
        var result = await controller.RegisterController(request);
        return new ControllerRegistrationResponseData { ErrorCode = (short)result.Error, ErrorMessage = result.Message };
    }

    protected override ControllerRegistrationResponseData ErrorResponse(ControllerRegistrationRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };
}
