using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using KafkaCompat.Network;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Tests.Network;

/// <summary>The network layer alone on a loopback port chosen by the OS, with a test's processor behind it.</summary>
internal sealed class NetworkHost : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;

    private NetworkHost(IRequestProcessor processor, string listenerName, string securityProtocol)
    {
        _loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(Log));
        var options = new NetworkOptions { Listeners = [new ListenerEndpoint(listenerName, new IPEndPoint(IPAddress.Loopback, 0), securityProtocol)] };
        Host = new KafkaServerHost(options, processor, _loggers);
    }

    public KafkaServerHost Host { get; }

    public LogLines Log { get; } = new();

    public IPEndPoint EndPoint => Host.BoundListeners[0].EndPoint;

    public static async Task<NetworkHost> StartAsync(IRequestProcessor processor, string listenerName = "PLAINTEXT", string securityProtocol = "PLAINTEXT")
    {
        var host = new NetworkHost(processor, listenerName, securityProtocol);
        await host.Host.StartAsync();
        return host;
    }

    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(EndPoint);
        return socket;
    }

    /// <summary>A size-prefixed frame holding <paramref name="payload"/>.</summary>
    public static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>
    /// Everything the server sends until it closes its side. A reset (RST) instead of a close fails
    /// the test, as does a connection still open after 10 s.
    /// </summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException e)
            {
                Assert.Fail($"the server ended the connection with {e.SocketErrorCode} after {received.Count} bytes, not with an orderly close");
                throw;
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the connection was still open after 10 s ({received.Count} bytes received)");
                throw;
            }
            if (read == 0)
            {
                return [.. received];
            }
            received.AddRange(buffer.AsSpan(0, read));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
        _loggers.Dispose();
    }
}
