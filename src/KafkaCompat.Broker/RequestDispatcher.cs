using System.Buffers.Binary;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker;

/// <summary>
/// Decodes a request frame, picks the handler by API key and version, runs
/// it, and encodes the response with its header. Like Kafka, a frame whose
/// header or body cannot be decoded, or that names an API or version no
/// handler serves, closes the connection; ApiVersions is the exception and
/// answers any version (KIP-511).
/// </summary>
public sealed class RequestDispatcher(HandlerTable table, ApiVersionsHandler apiVersions, ILogger<RequestDispatcher> logger) : IRequestProcessor
{
    public async ValueTask<ResponseFrame?> ProcessAsync(RequestFrame frame, CancellationToken cancellationToken)
    {
        var (context, request, handler) = Decode(frame);
        if (handler is null)
        {
            // ApiVersions at a version we do not serve: the v0 layout every client can read.
            return Encode(context, new ApiResponse(apiVersions.Supported(ErrorCode.UnsupportedVersion, context.ListenerName)), 0);
        }
        ApiResponse? response;
        try
        {
            response = await handler.HandleAsync(context, request!, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or CloseConnectionException))
        {
            logger.LogError(e, "Error handling {Api} v{Version} from {Client} (correlation id {CorrelationId}) on connection {Session}", context.ApiKey, context.ApiVersion, context.ClientId, context.Header.CorrelationId, context.Connection);
            response = new ApiResponse(handler.ErrorResponse(request!, context.ApiVersion, ErrorCode.UnknownServerError, e.Message));
        }
        if (response is null)
        {
            return null;
        }
        try
        {
            var encoded = Encode(context, response, context.ApiVersion);
            // What the answer points into now lives until the frame has been sent.
            response.TransferTo(encoded);
            return encoded;
        }
        catch (KafkaProtocolException e)
        {
            // A handler put something into the response its version cannot carry: a bug, reported loudly.
            logger.LogError(e, "Cannot encode the {Api} v{Version} response for {Client} on connection {Session}", context.ApiKey, context.ApiVersion, context.ClientId, context.Connection);
            throw new CloseConnectionException($"cannot encode the {context.ApiKey} v{context.ApiVersion} response: {e.Message}");
        }
        finally
        {
            // Released here when no frame took it (nothing is left after a transfer).
            response.Dispose();
        }
    }

    private (RequestContext Context, IApiMessage? Request, IApiHandler? Handler) Decode(RequestFrame frame)
    {
        var bytes = frame.Bytes;
        if (bytes.Length < 8)
        {
            throw new CloseConnectionException($"a {bytes.Length}-byte frame cannot hold a request header");
        }
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(bytes.Span);
        var version = BinaryPrimitives.ReadInt16BigEndian(bytes.Span[2..]);
        var handler = table.Find(apiKey, frame.Connection.ListenerName) ?? throw new CloseConnectionException($"unknown or unserved api key {apiKey} (version {version}) on listener {frame.Connection.ListenerName}");
        var reader = new KafkaReader(bytes);
        var header = new RequestHeaderData();
        try
        {
            header.Read(ref reader, ApiKeys.RequestHeaderVersion(handler.ApiKey, version));
        }
        catch (KafkaProtocolException e)
        {
            throw new CloseConnectionException($"undecodable {handler.ApiKey} request header: {e.Message}");
        }
        var context = new RequestContext(header, frame.Connection);
        if (!handler.Versions.Contains(version))
        {
            return handler.ApiKey == ApiKey.ApiVersions
                ? (context, null, null)
                : throw new CloseConnectionException($"{handler.ApiKey} v{version} is not served (supported {handler.Versions}); client {header.ClientId}");
        }
        var request = ApiKeys.NewRequest(handler.ApiKey);
        try
        {
            request.Read(ref reader, version);
        }
        catch (KafkaProtocolException e)
        {
            throw new CloseConnectionException($"malformed {handler.ApiKey} v{version} request from {header.ClientId}: {e.Message}");
        }
        return (context, request, handler);
    }

    private static ResponseFrame Encode(RequestContext context, ApiResponse response, short version)
    {
        var body = response.Body;
        var headerVersion = ApiKeys.ResponseHeaderVersion(context.ApiKey, version);
        var header = new ResponseHeaderData { CorrelationId = context.Header.CorrelationId };
        var headerSize = header.Size(headerVersion);
        var spliced = response.SplicedRecordBytes;
        var frame = ResponseFrame.Rent(headerSize + body.Size(version), spliced, out var span);
        // The writer leaves record batches out of the frame and says where they go; Network sends them there.
        var splices = spliced > 0 ? new List<RecordsSplice>() : null;
        var writer = splices is not null ? new KafkaWriter(span, splices) : new KafkaWriter(span);
        header.Write(ref writer, headerVersion);
        body.Write(ref writer, version);
        foreach (var splice in splices ?? [])
        {
            frame.Splices.Add(new FrameSplice(splice.Position, splice.Records));
        }
        if (writer.Position != span.Length || frame.Splices.Sum(s => s.Bytes.Length) != spliced)
        {
            frame.Dispose();
            throw new InvalidOperationException($"{context.ApiKey} v{version}: the response did not fill its frame as announced");
        }
        return frame;
    }
}
