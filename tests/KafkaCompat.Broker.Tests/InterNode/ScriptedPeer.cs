using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>
/// A peer written by the test, byte by byte, on a loopback port: it reads request frames with the
/// generated serializers and answers whatever the test says, including what a real broker never
/// sends (a wrong correlation id, a truncated body), and can drop the connection at any point.
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public ScriptedPeer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<Connection> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return new Connection(await _listener.AcceptSocketAsync(timeout.Token));
    }

    /// <summary>Accepts a connection and answers its ApiVersions with <paramref name="served"/>.</summary>
    public async Task<Connection> AcceptAndNegotiateAsync(params (ApiKey Key, short Min, short Max)[] served)
    {
        var connection = await AcceptAsync();
        var (header, _) = await connection.ReadRequestAsync();
        Assert.That((ApiKey)header.RequestApiKey, Is.EqualTo(ApiKey.ApiVersions));
        await connection.RespondAsync(header, ApiVersions(ErrorCode.None, [(ApiKey.ApiVersions, 0, 4), .. served]));
        return connection;
    }

    public static ApiVersionsResponseData ApiVersions(ErrorCode error, IEnumerable<(ApiKey Key, short Min, short Max)> served)
    {
        var response = new ApiVersionsResponseData { ErrorCode = (short)error };
        foreach (var (key, min, max) in served)
        {
            response.ApiKeys.Add(new ApiVersionsResponseData.ApiVersion { ApiKey = (short)key, MinVersion = min, MaxVersion = max });
        }
        return response;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        return ValueTask.CompletedTask;
    }

    internal sealed class Connection(Socket socket) : IDisposable
    {
        public Socket Socket { get; } = socket;

        public async Task<(RequestHeaderData Header, IApiMessage Body)> ReadRequestAsync()
        {
            var frame = await ReadFrameAsync() ?? throw new AssertionException("the client closed the connection instead of sending a request");
            var key = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(frame);
            var version = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(2));
            var reader = new KafkaReader(frame);
            var header = new RequestHeaderData();
            header.Read(ref reader, ApiKeys.RequestHeaderVersion(key, version));
            var body = ApiKeys.NewRequest(key);
            body.Read(ref reader, version);
            Assert.That(reader.Remaining, Is.Zero, "bytes after the request body");
            return (header, body);
        }

        /// <summary>The answer to <paramref name="header"/>'s request at its version (ApiVersions' header is always v0).</summary>
        public Task RespondAsync(RequestHeaderData header, IApiMessage body, int? correlationId = null, short? bodyVersion = null)
        {
            var key = (ApiKey)header.RequestApiKey;
            var version = bodyVersion ?? header.RequestApiVersion;
            var responseHeader = new ResponseHeaderData { CorrelationId = correlationId ?? header.CorrelationId };
            byte[] payload = [.. responseHeader.Serialize(ApiKeys.ResponseHeaderVersion(key, header.RequestApiVersion)), .. body.Serialize(version)];
            return SendFrameAsync(payload);
        }

        public async Task SendFrameAsync(byte[] payload)
        {
            var frame = new byte[4 + payload.Length];
            BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
            payload.CopyTo(frame, 4);
            await Socket.SendAsync(frame);
        }

        /// <summary>The next frame, or null when the client closed its side (FIN).</summary>
        public async Task<byte[]?> ReadFrameAsync()
        {
            var prefix = new byte[4];
            if (!await ReadExactlyAsync(prefix))
            {
                return null;
            }
            var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
            return await ReadExactlyAsync(frame) ? frame : throw new AssertionException("the connection ended inside a frame");
        }

        /// <summary>True when the client closed the connection with a FIN (waits up to 10 s); a reset fails the test.</summary>
        public async Task<bool> ClosedByClientAsync()
        {
            try
            {
                return await ReadFrameAsync() is null;
            }
            catch (SocketException e)
            {
                Assert.Fail($"the client reset the connection ({e.SocketErrorCode}) instead of closing it");
                throw;
            }
        }

        private async Task<bool> ReadExactlyAsync(byte[] buffer)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var filled = 0;
            while (filled < buffer.Length)
            {
                var read = await Socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    return false;
                }
                filled += read;
            }
            return true;
        }

        public void Dispose() => Socket.Dispose();
    }
}
