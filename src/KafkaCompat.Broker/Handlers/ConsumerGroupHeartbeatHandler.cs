using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ConsumerGroupHeartbeat (key 68), versions 0-1: the consumer group protocol of KIP-848, not
/// served yet. Every request gets the answer Kafka gives while that protocol is not enabled
/// (<c>group.coordinator.rebalance.protocols</c> without <c>consumer</c>, or <c>group.version</c>
/// below 1): UNSUPPORTED_VERSION. The API is listed in ApiVersions so that a client asking for it
/// gets this answer: librdkafka 2.15.1 with <c>group.protocol=consumer</c> takes it as a fatal error
/// and its Consume throws, whereas with the API missing from ApiVersions it marks the coordinator
/// dead and looks it up again forever, with no error and no assignment. Classic-protocol clients
/// never send it, so listing it changes nothing for them.
/// </summary>
public sealed class ConsumerGroupHeartbeatHandler : ApiHandler<ConsumerGroupHeartbeatRequestData, ConsumerGroupHeartbeatResponseData>
{
    public const string NotServedMessage = "the consumer group protocol (KIP-848) is not supported by this broker yet: use group.protocol=classic";

    public override ApiKey ApiKey => ApiKey.ConsumerGroupHeartbeat;

    public override VersionRange Versions => new(0, 1);

    protected override ValueTask<ConsumerGroupHeartbeatResponseData?> HandleAsync(RequestContext context, ConsumerGroupHeartbeatRequestData request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ConsumerGroupHeartbeatResponseData?>(ErrorResponse(request, context.ApiVersion, ErrorCode.UnsupportedVersion, NotServedMessage));

    protected override ConsumerGroupHeartbeatResponseData ErrorResponse(ConsumerGroupHeartbeatRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ErrorMessage = message };
}
