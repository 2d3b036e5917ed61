using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// BrokerHeartbeat (key 63), versions 0-1 (KIP-631): keeps a registered broker's session alive
/// (broker.session.timeout.ms) and moves it between fenced, unfenced and shut down: a fenced broker is
/// unfenced once its metadata offset reaches its registration, WantFence fences it, WantShutDown starts
/// its controlled shutdown and ShouldShutDown says it may stop. A heartbeat at another epoch than the
/// registration's is STALE_BROKER_EPOCH. v1 adds the offline log directories (KIP-858), which this
/// controller does not act on: a broker here has no directory assignment to move.
/// </summary>
public sealed class BrokerHeartbeatHandler(MetadataController controller) : ApiHandler<BrokerHeartbeatRequestData, BrokerHeartbeatResponseData>
{
    public override ApiKey ApiKey => ApiKey.BrokerHeartbeat;

    public override VersionRange Versions => new(0, 1);

    protected override async ValueTask<BrokerHeartbeatResponseData?> HandleAsync(RequestContext context, BrokerHeartbeatRequestData request, CancellationToken cancellationToken)
    {
        var reply = await controller.BrokerHeartbeat(request);
        if (!reply.Result.IsOk)
        {
            return ErrorResponse(request, context.ApiVersion, reply.Result.Error, reply.Result.Message ?? "");
        }
        return new BrokerHeartbeatResponseData { IsCaughtUp = reply.IsCaughtUp, IsFenced = reply.IsFenced, ShouldShutDown = reply.ShouldShutDown };
    }

    protected override BrokerHeartbeatResponseData ErrorResponse(BrokerHeartbeatRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, IsCaughtUp = false, IsFenced = true, ShouldShutDown = false };
}
