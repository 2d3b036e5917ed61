using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// One TCP connection that sends Kafka requests exactly as given (the project's generated message
/// classes at the chosen version, behind the header that version calls for) and reads the answers:
/// for driving a request sequence no client library would send on cue.
/// </summary>
internal sealed class KafkaWireClient : IDisposable
{
    private readonly TcpClient _connection;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private KafkaWireClient(TcpClient connection)
    {
        _connection = connection;
        _stream = connection.GetStream();
    }

    public static async Task<KafkaWireClient> ConnectAsync(int port)
    {
        var connection = new TcpClient();
        await connection.ConnectAsync(IPAddress.Loopback, port);
        return new KafkaWireClient(connection);
    }

    /// <summary>Sends one request and waits for its answer (a JoinGroup answer waits for the rebalance).</summary>
    public async Task<TResponse> SendAsync<TResponse>(IApiMessage request, short version, CancellationToken cancellationToken = default)
        where TResponse : IKafkaMessage, new()
    {
        var correlationId = await SendOnlyAsync(request, version, cancellationToken);
        return await ReceiveAsync<TResponse>(request.ApiKey, version, correlationId, cancellationToken);
    }

    /// <summary>Sends one request without waiting for its answer, so several can be in flight (pipelined) on the connection.</summary>
    public async Task<int> SendOnlyAsync(IApiMessage request, short version, CancellationToken cancellationToken = default)
    {
        var correlationId = ++_correlationId;
        var header = new RequestHeaderData
        {
            RequestApiKey = (short)request.ApiKey,
            RequestApiVersion = version,
            CorrelationId = correlationId,
            ClientId = "wire-client",
        }.Serialize(ApiKeys.RequestHeaderVersion(request.ApiKey, version));
        var body = request.Serialize(version);
        var frame = new byte[4 + header.Length + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, header.Length + body.Length);
        header.CopyTo(frame, 4);
        body.CopyTo(frame, 4 + header.Length);
        await _stream.WriteAsync(frame, cancellationToken);
        return correlationId;
    }

    /// <summary>Reads the next answer, which must be the one to <paramref name="correlationId"/> (Kafka answers in request order).</summary>
    public async Task<TResponse> ReceiveAsync<TResponse>(ApiKey apiKey, short version, int correlationId, CancellationToken cancellationToken = default)
        where TResponse : IKafkaMessage, new()
    {
        var size = new byte[4];
        await _stream.ReadExactlyAsync(size, cancellationToken);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await _stream.ReadExactlyAsync(payload, cancellationToken);
        return Parse<TResponse>(payload, apiKey, version, correlationId);
    }

    private static TResponse Parse<TResponse>(byte[] payload, ApiKey apiKey, short version, int correlationId) where TResponse : IKafkaMessage, new()
    {
        var reader = new KafkaReader(payload);
        var responseHeader = new ResponseHeaderData();
        responseHeader.Read(ref reader, ApiKeys.ResponseHeaderVersion(apiKey, version));
        if (responseHeader.CorrelationId != correlationId)
        {
            throw new InvalidDataException($"answer to correlation id {responseHeader.CorrelationId}, expected {correlationId}");
        }
        return KafkaMessages.Deserialize<TResponse>(payload.AsMemory(reader.Position), version);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _connection.Dispose();
    }
}
