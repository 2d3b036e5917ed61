using KafkaCompat.Broker.Share;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>The group coordinator's persister, forwarding to the share coordinator the harness creates after it (the server passes its share coordinator).</summary>
internal sealed class ShareCoordinatorPersister : IShareStatePersister
{
    public IShareStatePersister Target { get; set; } = null!;

    public Task<InitializeShareGroupStateResponseData> InitializeStateAsync(InitializeShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        Target.InitializeStateAsync(request, cancellationToken);

    public Task<ReadShareGroupStateResponseData> ReadStateAsync(ReadShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        Target.ReadStateAsync(request, cancellationToken);

    public Task<WriteShareGroupStateResponseData> WriteStateAsync(WriteShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        Target.WriteStateAsync(request, cancellationToken);

    public Task<DeleteShareGroupStateResponseData> DeleteStateAsync(DeleteShareGroupStateRequestData request, CancellationToken cancellationToken = default) =>
        Target.DeleteStateAsync(request, cancellationToken);

    public Task<ReadShareGroupStateSummaryResponseData> ReadStateSummaryAsync(ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken = default) =>
        Target.ReadStateSummaryAsync(request, cancellationToken);
}
