using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// AllocateProducerIds (key 67), version 0 (KIP-730): a broker asks the controller for its next block of
/// producer ids, which a ProducerIdsRecord reserves in the metadata log so that no id is handed out
/// twice, even across restarts. Only a registered broker at its current epoch gets one (STALE_BROKER_EPOCH).
/// </summary>
public sealed class AllocateProducerIdsHandler(MetadataController controller) : ApiHandler<AllocateProducerIdsRequestData, AllocateProducerIdsResponseData>
{
    /// <summary>Kafka's block size (ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE).</summary>
    public const int BlockSize = 1000;

    public override ApiKey ApiKey => ApiKey.AllocateProducerIds;

    public override VersionRange Versions => new(0, 0);

    protected override async ValueTask<AllocateProducerIdsResponseData?> HandleAsync(RequestContext context, AllocateProducerIdsRequestData request, CancellationToken cancellationToken)
    {
        var (result, first, count) = await controller.AllocateProducerIds(request.BrokerId, request.BrokerEpoch, BlockSize);
        return result.IsOk
            ? new AllocateProducerIdsResponseData { ProducerIdStart = first, ProducerIdLen = count }
            : ErrorResponse(request, context.ApiVersion, result.Error, result.Message ?? "");
    }

    protected override AllocateProducerIdsResponseData ErrorResponse(AllocateProducerIdsRequestData request, short version, ErrorCode error, string message) =>
        new() { ErrorCode = (short)error, ProducerIdStart = -1, ProducerIdLen = 0 };
}
