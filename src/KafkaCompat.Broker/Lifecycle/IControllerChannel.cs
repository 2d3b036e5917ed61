using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Lifecycle;

/// <summary>
/// How a broker reaches the active controller (Kafka's NodeToControllerChannelManager): one request at
/// the version given, its response back. In one process the controller is local
/// (<see cref="LocalControllerChannel"/>); with a controller quorum it is a connection to the current
/// leader's controller listener, which retries on NOT_CONTROLLER.
/// </summary>
public interface IControllerChannel
{
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<TResponse> SendAsync<TResponse>(IApiMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IApiMessage;
}
