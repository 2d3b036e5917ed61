using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ConsumerGroupHeartbeat (key 68), versions 0-1: the consumer group protocol of KIP-848, served by
/// the group coordinator (join with epoch 0, heartbeats, leave with -1, static leave with -2).
/// Version 1 (KIP-1082) requires the client to generate its member id; version 0 lets the
/// coordinator generate it on the first heartbeat.
/// </summary>
public sealed class ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator) : ApiHandler<ConsumerGroupHeartbeatRequestData, ConsumerGroupHeartbeatResponseData>
{
    public override ApiKey ApiKey => ApiKey.ConsumerGroupHeartbeat;

    public override VersionRange Versions => new(0, 1);

    protected override async ValueTask<ConsumerGroupHeartbeatResponseData?> HandleAsync(RequestContext context, ConsumerGroupHeartbeatRequestData request, CancellationToken cancellationToken) =>
        await coordinator.ConsumerGroupHeartbeatAsync(request, context.ApiVersion, context.ClientId ?? "", ClientHost.From(context.Connection.RemoteAddress));

    protected override ConsumerGroupHeartbeatResponseData ErrorResponse(ConsumerGroupHeartbeatRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };
}
