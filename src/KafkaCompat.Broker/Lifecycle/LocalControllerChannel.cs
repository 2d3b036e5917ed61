using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Lifecycle;

/// <summary>
/// The controller of this process, reached through its own handlers (the handler table the listeners
/// serve), so a request takes the path it would take from another node, without the network.
/// </summary>
public sealed class LocalControllerChannel(Func<HandlerTable> handlers, int nodeId) : IControllerChannel
{
    private int _correlationId;

    public async Task<TResponse> SendAsync<TResponse>(IApiMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IApiMessage
    {
        var handler = handlers().Find((short)request.ApiKey) ?? throw new InvalidOperationException($"the controller does not serve {request.ApiKey}");
        var header = new RequestHeaderData
        {
            RequestApiKey = (short)request.ApiKey,
            RequestApiVersion = version,
            CorrelationId = Interlocked.Increment(ref _correlationId),
            ClientId = $"broker-{nodeId}-to-controller",
        };
        var context = new RequestContext(header, new ConnectionSession($"broker-{nodeId}-to-controller", "CONTROLLER", "PLAINTEXT", "in-process"));
        using var response = await handler.HandleAsync(context, request, cancellationToken)
            ?? throw new InvalidOperationException($"the controller gave no answer to {request.ApiKey}");
        return (TResponse)response.Body;
    }
}
