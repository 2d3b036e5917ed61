using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// ReadShareGroupStateSummary (key 87), versions 0-1 (KIP-932): the group coordinator reads a
/// share-partition's state epoch, leader epoch and start offset (DescribeShareGroupOffsets) without
/// the batches. v1 adds the delivery-complete count (KIP-1226, Kafka 4.2). A share-partition never
/// initialized answers start offset -1 with no error.
/// </summary>
public sealed class ReadShareGroupStateSummaryHandler(ShareCoordinator coordinator) : ApiHandler<ReadShareGroupStateSummaryRequestData, ReadShareGroupStateSummaryResponseData>
{
    public override ApiKey ApiKey => ApiKey.ReadShareGroupStateSummary;

    public override VersionRange Versions => new(0, 1);

    private const short FirstVersionWithDeliveryCompleteCount = 1;

    protected override async ValueTask<ReadShareGroupStateSummaryResponseData?> HandleAsync(RequestContext context, ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken)
    {
        var response = await coordinator.ReadStateSummaryAsync(request, cancellationToken);
        if (context.ApiVersion < FirstVersionWithDeliveryCompleteCount)
        {
            // v0 has no room for the count: a v0 reader gets the rest of the summary.
            foreach (var partition in response.Results.SelectMany(r => r.Partitions))
            {
                partition.DeliveryCompleteCount = ShareGroupOffset.NotSet;
            }
        }
        return response;
    }

    protected override ReadShareGroupStateSummaryResponseData ErrorResponse(ReadShareGroupStateSummaryRequestData request, short version, ErrorCode error, string message) => new()
    {
        Results = [.. request.Topics.Select(t => new ReadShareGroupStateSummaryResponseData.ReadStateSummaryResult
        {
            TopicId = t.TopicId,
            Partitions = [.. t.Partitions.Select(p => new ReadShareGroupStateSummaryResponseData.PartitionResult { Partition = p.Partition, ErrorCode = (short)error, ErrorMessage = message })],
        })],
    };
}
