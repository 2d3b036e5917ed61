using System.Text;
using KafkaCompat.Network;

namespace KafkaCompat.Broker.Tests.Network;

/// <summary>One session per connection, made by the network layer and handed with every request.</summary>
public class ConnectionSessionTests
{
    [Test]
    public async Task EveryRequestOfAConnectionCarriesItsOneSession()
    {
        var processor = new GatedEchoProcessor(open: true);
        await using var host = await NetworkHost.StartAsync(processor, listenerName: "CLIENTS", securityProtocol: "PLAINTEXT");
        using var first = await host.ConnectAsync();
        using var second = await host.ConnectAsync();
        foreach (var (socket, name) in new[] { (first, "a"), (second, "b") })
        {
            await socket.SendAsync(NetworkHost.Frame(Encoding.ASCII.GetBytes(name + "1")).Concat(NetworkHost.Frame(Encoding.ASCII.GetBytes(name + "2"))).ToArray());
        }
        await processor.WaitForRequestsAsync(4);

        var sessions = processor.Received.ToDictionary(r => Encoding.ASCII.GetString(r.Bytes), r => r.Session);
        Assert.That(sessions["a1"], Is.SameAs(sessions["a2"]), "one session for all requests of a connection");
        Assert.That(sessions["b1"], Is.SameAs(sessions["b2"]));
        Assert.That(sessions["a1"], Is.Not.SameAs(sessions["b1"]), "a session per connection");
        Assert.That(sessions["a1"].ConnectionId, Is.Not.EqualTo(sessions["b1"].ConnectionId));
        foreach (var (socket, session) in new[] { (first, sessions["a1"]), (second, sessions["b1"]) })
        {
            Assert.That(session.ConnectionId, Is.Not.Empty);
            Assert.That(session.RemoteAddress, Is.EqualTo(socket.LocalEndPoint!.ToString()), "the client's address and port");
            Assert.That(session.ListenerName, Is.EqualTo("CLIENTS"));
            Assert.That(session.SecurityProtocol, Is.EqualTo("PLAINTEXT"));
            Assert.That(session.Principal, Is.EqualTo(new KafkaPrincipal("User", "ANONYMOUS")));
            Assert.That(session.Client, Is.EqualTo(new ClientInformation("unknown", "unknown")), "no ApiVersions v3 yet");
        }
    }

    [Test]
    public void TheSessionDescribesItselfForLogs()
    {
        var session = new ConnectionSession("c7", "CLIENTS", "PLAINTEXT", "10.0.0.5:41000") { Client = new ClientInformation("confluent-kafka-python", "2.6.0") };
        Assert.That(session.ToString(), Is.EqualTo("c7 from 10.0.0.5:41000 on CLIENTS (PLAINTEXT) as User:ANONYMOUS, client confluent-kafka-python/2.6.0"));
    }

    [Test]
    public async Task AConnectionClosedForABadFrameIsLoggedWithItsSession()
    {
        await using var host = await NetworkHost.StartAsync(new GatedEchoProcessor(open: true), listenerName: "CLIENTS");
        using var socket = await host.ConnectAsync();
        await socket.SendAsync(new byte[] { 0x7f, 0xff, 0xff, 0xff });

        Assert.That(await NetworkHost.ReadToEndAsync(socket), Is.Empty, "closed without an answer");
        var line = host.Log.Lines.Single(l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.That(line, Does.Contain($"from {socket.LocalEndPoint} on CLIENTS (PLAINTEXT) as User:ANONYMOUS, client unknown/unknown"));
        Assert.That(line, Does.Contain("socket.request.max.bytes"));
    }
}
