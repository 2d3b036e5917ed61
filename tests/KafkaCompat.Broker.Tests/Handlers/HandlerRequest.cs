using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// Drives one handler as the dispatcher would, but with both bodies passed through the generated
/// serializer at the request's version: the handler sees only what that version of the request
/// carries, and the test sees only what that version of the response carries. A response field the
/// version cannot hold fails the encoding instead of passing unnoticed.
/// </summary>
internal static class HandlerRequest
{
    public const string Listener = "PLAINTEXT";

    public static async Task<TResponse> SendAsync<TResponse>(HandlerTable table, short version, IApiMessage request, string listener = Listener)
        where TResponse : class, IApiMessage, new() =>
        (TResponse)await SendAsync(table, version, request, listener);

    /// <summary>As the typed overload, the response read as its API's response class.</summary>
    public static async Task<IApiMessage> SendAsync(HandlerTable table, short version, IApiMessage request, string listener)
    {
        var handler = table.Find((short)request.ApiKey, listener) ?? throw new AssertionException($"no handler serves {request.ApiKey} on {listener}");
        Assert.That(handler.Versions.Contains(version), $"{request.ApiKey} v{version} is outside the served {handler.Versions}");
        var onTheWire = ApiKeys.NewRequest(request.ApiKey);
        var reader = new KafkaReader(request.Serialize(version));
        onTheWire.Read(ref reader, version);
        var header = new RequestHeaderData { RequestApiKey = (short)request.ApiKey, RequestApiVersion = version, CorrelationId = 1, ClientId = "handler-test" };
        var context = new RequestContext(header, new ConnectionSession("c1", listener, "PLAINTEXT", "127.0.0.1:50000"));
        using var response = await handler.HandleAsync(context, onTheWire, CancellationToken.None) ?? throw new AssertionException($"{request.ApiKey} v{version} gave no response");
        var bytes = response.Body.Serialize(version);
        var read = ApiKeys.NewResponse(request.ApiKey);
        var responseReader = new KafkaReader(bytes);
        read.Read(ref responseReader, version);
        Assert.That(responseReader.Remaining, Is.Zero, $"bytes after the {request.ApiKey} v{version} response");
        return read;
    }
}
