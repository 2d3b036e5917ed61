using System.Buffers.Binary;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.InterNode;

/// <summary>
/// Request frames out and response frames in, through the generated serializers: a 4-byte size,
/// the request header (v1, or v2 with tagged fields for a flexible version), the body; and back the
/// response header (v0, or v1 for a flexible version; always v0 for ApiVersions) and body.
/// </summary>
internal static class InterNodeFrames
{
    /// <summary>The whole frame, size prefix included.</summary>
    /// <exception cref="KafkaProtocolException">The body holds something <paramref name="version"/> cannot carry.</exception>
    public static byte[] Request(IApiMessage body, short version, int correlationId, string clientId)
    {
        var header = new RequestHeaderData
        {
            RequestApiKey = (short)body.ApiKey,
            RequestApiVersion = version,
            CorrelationId = correlationId,
            ClientId = clientId,
        };
        var headerVersion = ApiKeys.RequestHeaderVersion(body.ApiKey, version);
        var size = header.Size(headerVersion) + body.Size(version);
        var frame = new byte[4 + size];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        var writer = new KafkaWriter(frame.AsSpan(4));
        header.Write(ref writer, headerVersion);
        body.Write(ref writer, version);
        if (writer.Position != size)
        {
            throw new InvalidOperationException($"{body.ApiKey} v{version}: sized {size} bytes, wrote {writer.Position}");
        }
        return frame;
    }

    /// <summary>The body of a response frame (size prefix removed) to the request of <paramref name="correlationId"/>.</summary>
    /// <exception cref="MalformedMessageException">
    /// The frame answers another request, cannot be read at the version, or has bytes left after the
    /// body: the connection can no longer be trusted.
    /// </exception>
    public static IApiMessage Response(ApiKey key, short version, int correlationId, ReadOnlyMemory<byte> frame)
    {
        var reader = new KafkaReader(frame);
        var header = new ResponseHeaderData();
        header.Read(ref reader, ApiKeys.ResponseHeaderVersion(key, version));
        if (header.CorrelationId != correlationId)
        {
            throw new MalformedMessageException($"a response with correlation id {header.CorrelationId} came where {key} v{version} (correlation id {correlationId}) was awaited");
        }
        var body = ApiKeys.NewResponse(key);
        body.Read(ref reader, version);
        if (reader.Remaining != 0)
        {
            throw new MalformedMessageException($"{reader.Remaining} bytes after the {key} v{version} response");
        }
        return body;
    }
}
