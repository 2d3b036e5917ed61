using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// InitializeShareGroupState (key 83), version 0 (KIP-932): the group coordinator starts a
/// share-partition's state at a state epoch and start offset. An inter-broker API that Kafka serves
/// on broker listeners, which here are the client listeners too. A state epoch below the one held
/// is FENCED_STATE_EPOCH; an unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION.
/// </summary>
public sealed class InitializeShareGroupStateHandler(ShareCoordinator coordinator) : ApiHandler<InitializeShareGroupStateRequestData, InitializeShareGroupStateResponseData>
{
    public override ApiKey ApiKey => ApiKey.InitializeShareGroupState;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<InitializeShareGroupStateResponseData?> HandleAsync(RequestContext context, InitializeShareGroupStateRequestData request, CancellationToken cancellationToken) =>
        await coordinator.InitializeStateAsync(request, cancellationToken);

    protected override InitializeShareGroupStateResponseData ErrorResponse(InitializeShareGroupStateRequestData request, short version, ErrorCode error, string message) => new()
    {
        Results = [.. request.Topics.Select(t => new InitializeShareGroupStateResponseData.InitializeStateResult
        {
            TopicId = t.TopicId,
            Partitions = [.. t.Partitions.Select(p => new InitializeShareGroupStateResponseData.PartitionResult { Partition = p.Partition, ErrorCode = (short)error, ErrorMessage = message })],
        })],
    };
}
