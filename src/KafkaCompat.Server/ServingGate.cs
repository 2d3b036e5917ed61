using KafkaCompat.Network;

namespace KafkaCompat.Server;

/// <summary>
/// Holds requests until the broker serves: Kafka's broker binds its listeners but enables request
/// processing only once the controller has unfenced it (KIP-631), so no client is answered from a
/// broker the cluster does not count yet.
/// </summary>
internal sealed class ServingGate(IRequestProcessor inner, Task serving) : IRequestProcessor
{
    public async ValueTask<ResponseFrame?> ProcessAsync(RequestFrame request, CancellationToken cancellationToken)
    {
        if (!serving.IsCompletedSuccessfully)
        {
            await serving.WaitAsync(cancellationToken);
        }
        return await inner.ProcessAsync(request, cancellationToken);
    }
}
