using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Share;

/// <summary>
/// The seam between the partition leader's share-partition state (KIP-932) and the share coordinator
/// that keeps it in <c>__share_group_state</c>. Kafka's leader reaches the share coordinator with the
/// share-group state APIs themselves (ReadShareGroupState and friends), so the seam takes and returns
/// those same messages: the in-process implementation routes each one to the owning shard of this
/// node's share coordinator, and a future one for a cluster would send it over the wire unchanged.
/// Every call answers per-partition error codes in its response, never throws for a partition's error.
/// </summary>
public interface IShareStatePersister
{
    Task<InitializeShareGroupStateResponseData> InitializeStateAsync(InitializeShareGroupStateRequestData request, CancellationToken cancellationToken = default);

    Task<ReadShareGroupStateResponseData> ReadStateAsync(ReadShareGroupStateRequestData request, CancellationToken cancellationToken = default);

    Task<WriteShareGroupStateResponseData> WriteStateAsync(WriteShareGroupStateRequestData request, CancellationToken cancellationToken = default);

    Task<DeleteShareGroupStateResponseData> DeleteStateAsync(DeleteShareGroupStateRequestData request, CancellationToken cancellationToken = default);

    Task<ReadShareGroupStateSummaryResponseData> ReadStateSummaryAsync(ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken = default);
}
