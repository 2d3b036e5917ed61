using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>Calls a handler directly, as the dispatcher does after decoding, at a chosen version.</summary>
internal static class HandlerCalls
{
    public static async Task<T> HandleAsync<T>(IApiHandler handler, IApiMessage request, short version) where T : class
    {
        var header = new RequestHeaderData { RequestApiKey = (short)handler.ApiKey, RequestApiVersion = version, ClientId = "test" };
        var context = new RequestContext(header, new ConnectionSession("c1", "PLAINTEXT", "PLAINTEXT", "127.0.0.1:1"));
        return (T)(await handler.HandleAsync(context, request, CancellationToken.None))!.Body;
    }
}
