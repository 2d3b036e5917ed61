using System.Net.Sockets;
using System.Text;

namespace KafkaCompat.Broker.Tests.Network;

/// <summary>
/// A client that closes its side of the connection (FIN) after sending requests gets their
/// responses and then an orderly close (FIN), never a reset: clients such as kafkajs close this way
/// on every disconnect and report a reset as an error.
/// </summary>
public class OrderlyCloseTests
{
    [Test]
    public async Task RequestsInProgressWhenTheClientClosesItsSideAreAnsweredThenClosedOrderly()
    {
        var processor = new GatedEchoProcessor();
        await using var host = await NetworkHost.StartAsync(processor);
        using var socket = await host.ConnectAsync();
        byte[][] frames = [.. new[] { "first", "second", "third" }.Select(text => NetworkHost.Frame(Encoding.ASCII.GetBytes(text)))];
        await socket.SendAsync(frames.SelectMany(f => f).ToArray());
        await processor.WaitForRequestsAsync(frames.Length);

        socket.Shutdown(SocketShutdown.Send);
        // Answer only once the server has seen the FIN, so the requests are in progress when it arrives.
        var noticed = await host.Log.WaitForAsync("closed its side");
        processor.Release();

        var received = await NetworkHost.ReadToEndAsync(socket);
        Assert.That(received, Is.EqualTo(frames.SelectMany(f => f).ToArray()), "every response, in request order, before the close");
        Assert.That(noticed, Is.True, "the server logged that the client closed its side");
    }

    [Test]
    public async Task AClientThatClosesItsSideAfterItsAnswersGetsAnOrderlyClose()
    {
        await using var host = await NetworkHost.StartAsync(new GatedEchoProcessor(open: true));
        using var socket = await host.ConnectAsync();
        var frame = NetworkHost.Frame(Encoding.ASCII.GetBytes("only"));
        await socket.SendAsync(frame);
        var response = new byte[frame.Length];
        await new NetworkStream(socket, ownsSocket: false).ReadExactlyAsync(response);
        Assert.That(response, Is.EqualTo(frame));

        socket.Shutdown(SocketShutdown.Send);

        Assert.That(await NetworkHost.ReadToEndAsync(socket), Is.Empty);
    }

    [Test]
    public async Task StoppingTheServerAnswersTheRequestsInProgressThenClosesOrderly()
    {
        var processor = new GatedEchoProcessor();
        await using var host = await NetworkHost.StartAsync(processor);
        using var first = await host.ConnectAsync();
        using var second = await host.ConnectAsync();
        var frame = NetworkHost.Frame(Encoding.ASCII.GetBytes("in progress"));
        await first.SendAsync(frame);
        await second.SendAsync(frame);
        await processor.WaitForRequestsAsync(2);

        var stopping = host.Host.StopAsync();
        var noticed = await host.Log.WaitForAsync("as the server stops", count: 2);
        processor.Release();

        Assert.That(await NetworkHost.ReadToEndAsync(first), Is.EqualTo(frame), "the answer, then the close");
        Assert.That(await NetworkHost.ReadToEndAsync(second), Is.EqualTo(frame));
        Assert.That(noticed, Is.True, "both connections were asked to close while their requests were in progress");
        await stopping;
    }
}
