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
    private ConnectionSession _connection = null!;

    [SetUp]
    public void NewConnection() => _connection = new ConnectionSession("c1", "PLAINTEXT", "PLAINTEXT", "127.0.0.1:1");

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

    private async Task<byte[]> Send(RequestDispatcher dispatcher, byte[] frame)
    {
        using var response = await dispatcher.ProcessAsync(new RequestFrame(frame, _connection), CancellationToken.None);
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
        Assert.ThrowsAsync<CloseConnectionException>(async () => await dispatcher.ProcessAsync(new RequestFrame(Frame(ApiKey.Metadata, 12, new MetadataRequestData()), _connection), CancellationToken.None));
    }

    [Test]
    public void MalformedFramesCloseTheConnection()
    {
        var (dispatcher, _) = Create();
        Assert.ThrowsAsync<CloseConnectionException>(async () => await dispatcher.ProcessAsync(new RequestFrame(new byte[] { 0, 18, 0 }, _connection), CancellationToken.None));
        var frame = Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequestData { ClientSoftwareName = "x", ClientSoftwareVersion = "1" });
        Assert.ThrowsAsync<CloseConnectionException>(async () => await dispatcher.ProcessAsync(new RequestFrame(frame[..^3], _connection), CancellationToken.None));
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
        var spec = ApiKeys.ValidVersions(ApiKey.Metadata);
        // One handler per table, so only the spec-range rule can refuse it.
        Assert.That(() => new HandlerTable([new RecordingHandler(ApiKey.Metadata, spec)]), Throws.Nothing, "the spec's own range");
        VersionRange[] beyondTheSpec = [new(spec.Lowest, (short)(spec.Highest + 1)), new((short)(spec.Lowest - 1), spec.Highest), VersionRange.None];
        foreach (var claimed in beyondTheSpec)
        {
            var refused = Assert.Throws<InvalidOperationException>(() => new HandlerTable([new RecordingHandler(ApiKey.Metadata, claimed)]), $"claiming {claimed}");
            Assert.That(refused!.Message, Does.Contain($"outside the spec's {spec}"), $"claiming {claimed}");
        }
    }

    [Test]
    public void TwoHandlersForOneApiAreRefused()
    {
        var spec = ApiKeys.ValidVersions(ApiKey.Metadata);
        var refused = Assert.Throws<InvalidOperationException>(() => new HandlerTable([new RecordingHandler(ApiKey.Metadata, spec), new RecordingHandler(ApiKey.Metadata, spec)]));
        Assert.That(refused!.Message, Does.Contain("two handlers for Metadata"));
    }

    [Test]
    public async Task ApiVersionsV3RecordsTheClientSoftwareOnTheConnectionSessionForItsLaterRequests()
    {
        var session = new ConnectionSession("c2", "PLAINTEXT", "PLAINTEXT", "127.0.0.1:2");
        var metadata = new RecordingHandler(ApiKey.Metadata, ApiKeys.ValidVersions(ApiKey.Metadata));
        HandlerTable? table = null;
        var apiVersions = new ApiVersionsHandler(() => table!);
        table = new HandlerTable([apiVersions, metadata]);
        var dispatcher = new RequestDispatcher(table, apiVersions, NullLogger<RequestDispatcher>.Instance);
        Assert.That(session.Client, Is.EqualTo(ClientInformation.Unknown), "before ApiVersions");

        (await dispatcher.ProcessAsync(new RequestFrame(Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequestData { ClientSoftwareName = "librdkafka", ClientSoftwareVersion = "2.15.1" }), session), CancellationToken.None))!.Dispose();
        (await dispatcher.ProcessAsync(new RequestFrame(Frame(ApiKey.Metadata, 12, new MetadataRequestData()), session), CancellationToken.None))!.Dispose();

        Assert.That(session.Client, Is.EqualTo(new ClientInformation("librdkafka", "2.15.1")));
        var context = metadata.Contexts.Single();
        Assert.That(context.Connection, Is.SameAs(session), "the request's context reaches the connection's one session");
        Assert.That(context.Connection.Client.SoftwareName, Is.EqualTo("librdkafka"));
        Assert.That(context.Connection.Principal.ToString(), Is.EqualTo("User:ANONYMOUS"));
    }

    [TestCase(0)]
    [TestCase(2)]
    public async Task ApiVersionsBeforeV3LeavesTheClientSoftwareUnknown(short version)
    {
        var (dispatcher, _) = Create();
        await Send(dispatcher, Frame(ApiKey.ApiVersions, version, new ApiVersionsRequestData()));
        Assert.That(_connection.Client, Is.EqualTo(ClientInformation.Unknown));
    }

    [Test]
    public async Task AnInvalidClientSoftwareNameIsNotRecorded()
    {
        var (dispatcher, _) = Create();
        await Send(dispatcher, Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequestData { ClientSoftwareName = "-bad-", ClientSoftwareVersion = "1.0" }));
        Assert.That(_connection.Client, Is.EqualTo(ClientInformation.Unknown));
    }
}
