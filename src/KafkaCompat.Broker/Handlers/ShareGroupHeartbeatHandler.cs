using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ShareGroupHeartbeat (key 76), version 1: the share-group membership of KIP-932, served by the
/// group coordinator (join with epoch 0, heartbeats, leave with -1; the member id is the client's).
/// Version 0 was Kafka 4.0's early access and Kafka 4.1 removed it, so only 1 is served, the version
/// librdkafka 2.15's share consumer and Kafka 4.1+'s KafkaShareConsumer send.
/// </summary>
public sealed class ShareGroupHeartbeatHandler(GroupCoordinator coordinator) : ApiHandler<ShareGroupHeartbeatRequestData, ShareGroupHeartbeatResponseData>
{
    public override ApiKey ApiKey => ApiKey.ShareGroupHeartbeat;

    public override VersionRange Versions => new(1, 1);

    protected override async ValueTask<ShareGroupHeartbeatResponseData?> HandleAsync(RequestContext context, ShareGroupHeartbeatRequestData request, CancellationToken cancellationToken) =>
        await coordinator.ShareGroupHeartbeatAsync(request, context.ClientId ?? "", ClientHost.From(context.Connection.RemoteAddress));

    protected override ShareGroupHeartbeatResponseData ErrorResponse(ShareGroupHeartbeatRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };
}
