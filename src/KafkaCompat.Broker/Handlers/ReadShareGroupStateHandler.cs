using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ReadShareGroupState (key 84), version 0 (KIP-932): a share-partition leader loads the state
/// epoch, start offset and state batches kept for it. A newer leader epoch is recorded, an older one
/// is FENCED_LEADER_EPOCH; a share-partition never initialized is INVALID_REQUEST, as from Kafka.
/// </summary>
public sealed class ReadShareGroupStateHandler(ShareCoordinator coordinator) : ApiHandler<ReadShareGroupStateRequestData, ReadShareGroupStateResponseData>
{
    public override ApiKey ApiKey => ApiKey.ReadShareGroupState;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<ReadShareGroupStateResponseData?> HandleAsync(RequestContext context, ReadShareGroupStateRequestData request, CancellationToken cancellationToken) =>
        await coordinator.ReadStateAsync(request, cancellationToken);

    protected override ReadShareGroupStateResponseData ErrorResponse(ReadShareGroupStateRequestData request, short version, ErrorCode error, string message) => new()
    {
        Results = [.. request.Topics.Select(t => new ReadShareGroupStateResponseData.ReadStateResult
        {
            TopicId = t.TopicId,
            Partitions = [.. t.Partitions.Select(p => new ReadShareGroupStateResponseData.PartitionResult { Partition = p.Partition, ErrorCode = (short)error, ErrorMessage = message })],
        })],
    };
}
