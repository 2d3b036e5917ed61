using System.Net;
using System.Net.Sockets;

namespace KafkaCompat.IntegrationTests.Fixtures;

/// <summary>
/// A loopback TCP proxy in front of a broker that loses responses: every Nth read coming back
/// from the broker is dropped and its connection reset instead (up to a limit), so the broker has
/// handled a request whose answer the client never gets and must retry. The broker advertises
/// the proxy's port, so clients keep coming back through it.
/// </summary>
internal sealed class ChaosProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly List<Socket> _open = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private readonly int _dropResponseEvery;
    private int _maxDrops;
    private int _responseReads;
    private int _drops;

    /// <param name="listenPort">The proxy's port (the one the broker advertises).</param>
    /// <param name="targetPort">The broker's bound port.</param>
    /// <param name="dropResponseEvery">Drop every Nth read from the broker (0: never).</param>
    /// <param name="maxDrops">Stop dropping after this many.</param>
    public ChaosProxy(int listenPort, int targetPort, int dropResponseEvery = 0, int maxDrops = 0)
    {
        _targetPort = targetPort;
        _dropResponseEvery = dropResponseEvery;
        _maxDrops = maxDrops;
        _listener = new TcpListener(IPAddress.Loopback, listenPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Responses (reads from the broker) dropped so far.</summary>
    public int Drops => Volatile.Read(ref _drops);

    /// <summary>Resets (RST) every connection open now, in both directions.</summary>
    private void ResetAll()
    {
        List<Socket> cut;
        lock (_open)
        {
            cut = [.. _open];
            _open.Clear();
        }
        foreach (var socket in cut)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var broker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_open)
        {
            _open.Add(client);
            _open.Add(broker);
        }
        try
        {
            await broker.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), _stopping.Token);
            await Task.WhenAny(PumpAsync(client, broker, fromBroker: false), PumpAsync(broker, client, fromBroker: true));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(client);
                _open.Remove(broker);
            }
            client.Dispose();
            broker.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromBroker)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
                if (read == 0)
                {
                    return;
                }
                if (fromBroker && ShouldDrop())
                {
                    // The broker answered; the client hears nothing but a reset.
                    to.LingerState = new LingerOption(true, 0);
                    from.LingerState = new LingerOption(true, 0);
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stopping.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>From now on every response passes.</summary>
    public void StopDropping()
    {
        lock (_open)
        {
            _maxDrops = _drops;
        }
    }

    private bool ShouldDrop()
    {
        lock (_open)
        {
            if (_dropResponseEvery <= 0 || ++_responseReads % _dropResponseEvery != 0 || _drops >= _maxDrops)
            {
                return false;
            }
            _drops++;
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        ResetAll();
        await _accepting;
        _stopping.Dispose();
    }
}
