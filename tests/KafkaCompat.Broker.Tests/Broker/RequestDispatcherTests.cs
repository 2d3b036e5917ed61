using System.Buffers.Binary;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>The dispatcher's framing rules, driven with request frames as a client writes them.</summary>
public class RequestDispatcherTests
{
    private static readonly ConnectionInfo Connection = new("c1", "PLAINTEXT", "127.0.0.1:1");

    private static (RequestDispatcher Dispatcher, HandlerTable Table) Create()
    {
        HandlerTable? table = null;
        var apiVersions = new ApiVersionsHandler(() => table!);
        table = new HandlerTable([apiVersions]);
        return (new RequestDispatcher(table, apiVersions, NullLogger<RequestDispatcher>.Instance), table);
    }

    private static byte[] Frame(ApiKey key, short version, IKafkaMessage body, int correlationId = 7)
    {
        var header = new RequestHeaderData { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = correlationId, ClientId = "test" };
        var headerVersion = ApiKeys.RequestHeaderVersion(key, version);
        return [.. header.Serialize(headerVersion), .. body.Serialize(Math.Min(version, body.HighestSupportedVersion))];
    }

    private static async Task<byte[]> Send(RequestDispatcher dispatcher, byte[] frame)
    {
        using var response = await dispatcher.ProcessAsync(new RequestFrame(frame, Connection), CancellationToken.None);
        var bytes = response!.Memory.ToArray();
        Assert.That(BinaryPrimitives.ReadInt32BigEndian(bytes), Is.EqualTo(bytes.Length - 4), "size prefix");
        return bytes[4..];
    }

    [Test]
    public async Task ApiVersionsListsExactlyTheHandlers()
    {
        var (dispatcher, _) = Create();
        var body = await Send(dispatcher, Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequestData { ClientSoftwareName = "test", ClientSoftwareVersion = "1.0" }));
        Assert.That(BinaryPrimitives.ReadInt32BigEndian(body), Is.EqualTo(7), "correlation id, response header v0");
        var response = KafkaMessages.Deserialize<ApiVersionsResponseData>(body.AsMemory(4), 3);
        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(response.ApiKeys.Select(k => (k.ApiKey, k.MinVersion, k.MaxVersion)), Is.EqualTo(new[] { ((short)18, (short)0, (short)4) }));
    }

    [Test]
    public async Task ATooNewApiVersionsGetsTheV0LayoutWithUnsupportedVersion()
    {
        var (dispatcher, _) = Create();
        var body = await Send(dispatcher, Frame(ApiKey.ApiVersions, 9, new ApiVersionsRequestData()));
        var response = KafkaMessages.Deserialize<ApiVersionsResponseData>(body.AsMemory(4), 0);
        Assert.That(response.ErrorCode, Is.EqualTo((short)ErrorCode.UnsupportedVersion));
        Assert.That(response.ApiKeys.Single().MaxVersion, Is.EqualTo(4));
    }

    [Test]
    public void AnApiNoHandlerServesClosesTheConnection()
    {
        var (dispatcher, _) = Create();
        Assert.ThrowsAsync<CloseConnectionException>(async () => await dispatcher.ProcessAsync(new RequestFrame(Frame(ApiKey.Metadata, 12, new MetadataRequestData()), Connection), CancellationToken.None));
    }

    [Test]
    public void MalformedFramesCloseTheConnection()
    {
        var (dispatcher, _) = Create();
        Assert.ThrowsAsync<CloseConnectionException>(async () => await dispatcher.ProcessAsync(new RequestFrame(new byte[] { 0, 18, 0 }, Connection), CancellationToken.None));
        var frame = Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequestData { ClientSoftwareName = "x", ClientSoftwareVersion = "1" });
        Assert.ThrowsAsync<CloseConnectionException>(async () => await dispatcher.ProcessAsync(new RequestFrame(frame[..^3], Connection), CancellationToken.None));
    }

    [Test]
    public async Task InvalidClientSoftwareNamesAreInvalidRequest()
    {
        var (dispatcher, _) = Create();
        var body = await Send(dispatcher, Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequestData { ClientSoftwareName = "-bad-", ClientSoftwareVersion = "1.0" }));
        Assert.That(KafkaMessages.Deserialize<ApiVersionsResponseData>(body.AsMemory(4), 3).ErrorCode, Is.EqualTo((short)ErrorCode.InvalidRequest));
    }

    [Test]
    public void HandlersCannotClaimVersionsTheSpecLacks()
    {
        Assert.Throws<InvalidOperationException>(() => new HandlerTable([new ApiVersionsHandler(() => null!), new ApiVersionsHandler(() => null!)]));
    }
}
