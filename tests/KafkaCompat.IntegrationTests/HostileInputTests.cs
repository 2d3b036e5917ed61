using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// Bytes no Kafka client would send, against the broker running as its own process (127.0.0.1
/// only). After each attack the process must still run and a well-behaved Confluent.Kafka client
/// must still produce and consume. Every loop is bounded in count and time.
/// </summary>
[TestFixture]
public sealed class HostileInputTests : ProcessBrokerTests
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    [Test]
    public async Task RandomBytes()
    {
        var random = new Random(4242);
        for (var i = 0; i < 30; i++)
        {
            var garbage = new byte[random.Next(1, 4096)];
            random.NextBytes(garbage);
            if (i % 2 == 1)
            {
                // A plausible size prefix, so the random bytes reach the request decoder.
                BinaryPrimitives.WriteInt32BigEndian(garbage, garbage.Length - 4);
            }
            using var connection = await ConnectAsync();
            await SendIgnoringResetAsync(connection, garbage);
        }
        await AssertStillServesAsync("after-random-bytes");
    }

    [Test]
    public async Task RandomBodyBehindAValidHeaderIsRefusedByClosingTheConnection()
    {
        var random = new Random(99);
        foreach (var (apiKey, version) in new (short, short)[] { (0, 9), (1, 12), (3, 12), (2, 7), (22, 4) })
        {
            var body = new byte[random.Next(16, 512)];
            random.NextBytes(body);
            // The test is about bodies that cannot be read: should the seed ever give one that decodes
            // (and so deserves an answer), say so instead of testing something else.
            Assert.That(Decodes((ApiKey)apiKey, version, body), Is.False, $"the random body for api key {apiKey} v{version} is malformed");
            var frame = Frame([.. RequestHeader(apiKey, version, correlationId: 7, flexible: true), .. body]);
            using var connection = await ConnectAsync();
            await SendIgnoringResetAsync(connection, frame);
            var (closed, answered) = await ReadUntilClosedAsync(connection);
            Assert.That(closed, Is.True, $"api key {apiKey} v{version} with a malformed body closes the connection");
            Assert.That(answered, Is.Zero, $"api key {apiKey} v{version} with a malformed body gets no answer, as in Kafka");
        }
        await AssertStillServesAsync("after-random-bodies");
    }

    [Test]
    public async Task TruncatedFrames()
    {
        // The size prefix itself cut short.
        using (var connection = await ConnectAsync())
        {
            await SendIgnoringResetAsync(connection, [0, 0]);
        }
        // A frame announcing 1000 bytes that stops after its header.
        using (var connection = await ConnectAsync())
        {
            var header = RequestHeader(apiKey: 18, version: 0, correlationId: 1, flexible: false);
            var partial = new byte[4 + header.Length];
            BinaryPrimitives.WriteInt32BigEndian(partial, 1000);
            header.CopyTo(partial, 4);
            await SendIgnoringResetAsync(connection, partial);
        }
        // A complete frame holding a Produce v9 request cut in the middle of its body: malformed, so closed.
        using (var connection = await ConnectAsync())
        {
            byte[] body = [0x00, 0xff, 0xff, 0x00, 0x00, 0x75, 0x30, 0x02, 0x06, (byte)'t'];
            await SendIgnoringResetAsync(connection, Frame([.. RequestHeader(apiKey: 0, version: 9, correlationId: 2, flexible: true), .. body]));
            Assert.That(await ClosedByBrokerAsync(connection), Is.True, "a malformed Produce request closes the connection");
        }
        await AssertStillServesAsync("after-truncated-frames");
    }

    [TestCase(0x7fffffff)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public async Task HugeOrNegativeSizePrefixClosesTheConnection(int size)
    {
        using (var connection = await ConnectAsync())
        {
            var prefix = new byte[64];
            BinaryPrimitives.WriteInt32BigEndian(prefix, size);
            await SendIgnoringResetAsync(connection, prefix);
            // Kafka refuses a size above socket.request.max.bytes without reading (or allocating) it.
            Assert.That(await ClosedByBrokerAsync(connection), Is.True, $"size prefix {size} closes the connection");
        }
        await AssertStillServesAsync($"after-size-{(uint)size:x8}");
    }

    [Test]
    public async Task FloodOfConnectionsOpenedAndDropped()
    {
        const int count = 200;
        var clock = Stopwatch.StartNew();
        var random = new Random(5);
        var opened = 0;
        // In waves of 50 open at once; each connection does one of: nothing, a partial frame, an abortive close (RST).
        for (var wave = 0; wave < count / 50 && clock.Elapsed < TimeSpan.FromSeconds(60); wave++)
        {
            var connections = new List<TcpClient>();
            try
            {
                for (var i = 0; i < 50; i++)
                {
                    connections.Add(await ConnectAsync());
                    opened++;
                }
                foreach (var connection in connections)
                {
                    switch (random.Next(3))
                    {
                        case 0:
                            break;
                        case 1:
                            await SendIgnoringResetAsync(connection, [0, 0, 0, 40, 0, 18, 0]);
                            break;
                        default:
                            connection.Client.LingerState = new LingerOption(true, 0);
                            break;
                    }
                }
            }
            finally
            {
                foreach (var connection in connections)
                {
                    connection.Dispose();
                }
            }
        }
        Assert.That(opened, Is.EqualTo(count), "connections the broker accepted");
        await AssertStillServesAsync("after-flood");
    }

    [Test]
    public async Task PipelinedRequestsFollowedByAResetDoNotCorruptOtherResponses()
    {
        // Attack: connections that pipeline more requests than the broker keeps in progress per
        // connection (so reading waits for room) and then go away without reading any answer.
        // Meanwhile a well-behaved connection pipelines the same requests and checks every answer:
        // its correlation ids in order, every body identical. A pooled buffer handed out twice
        // (a request frame returned to the pool twice) shows up here as crossed responses.
        var clientId = new string('x', 160);
        var attackFrames = Enumerable.Range(0, 200).SelectMany(i => Frame([.. RequestHeader(18, 0, i, flexible: false, clientId)])).ToArray();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var attackers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100 && !stop.IsCancellationRequested; i++)
            {
                using var connection = await ConnectAsync();
                await SendIgnoringResetAsync(connection, attackFrames);
                await Task.Delay(10);
            }
        })).ToList();
        var checkedResponses = 0;
        byte[]? expectedBody = null;
        // Check for as long as the attackers run (at least 20 rounds, at most 2,000).
        for (var round = 0; round < 2_000 && !stop.IsCancellationRequested && (round < 20 || attackers.Any(a => !a.IsCompleted)); round++)
        {
            using var connection = await ConnectAsync();
            var stream = connection.GetStream();
            const int pipelined = 50;
            var requests = Enumerable.Range(0, pipelined).SelectMany(i => Frame([.. RequestHeader(18, 0, 1000 * round + i, flexible: false, clientId)])).ToArray();
            await stream.WriteAsync(requests, stop.Token);
            for (var i = 0; i < pipelined; i++)
            {
                var size = new byte[4];
                await stream.ReadExactlyAsync(size, stop.Token);
                var response = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
                await stream.ReadExactlyAsync(response, stop.Token);
                Assert.That(BinaryPrimitives.ReadInt32BigEndian(response), Is.EqualTo(1000 * round + i), $"correlation id of response {i} in round {round}");
                var body = response[4..];
                expectedBody ??= body;
                Assert.That(body, Is.EqualTo(expectedBody), $"body of response {i} in round {round}");
                checkedResponses++;
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(attackers);
        TestContext.Out.WriteLine($"{checkedResponses} responses checked in {clock.Elapsed}");
        await AssertStillServesAsync("after-pipelined-resets");
    }

    private async Task AssertStillServesAsync(string topic)
    {
        Assert.That(Broker.IsRunning, Is.True, "the broker process is still running");
        await KafkaClients.AssertServesAsync(Broker.BootstrapServers, topic);
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync("127.0.0.1", Broker.Port, timeout.Token);
        return client;
    }

    private static async Task SendIgnoringResetAsync(TcpClient connection, byte[] bytes)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.GetStream().WriteAsync(bytes, timeout.Token);
        }
        catch (IOException)
        {
            // The broker may close before everything is written: that is a fine answer to garbage.
        }
    }

    /// <summary>True when the broker closes the connection (EOF or reset) within <see cref="CloseTimeout"/>.</summary>
    private static async Task<bool> ClosedByBrokerAsync(TcpClient connection) => (await ReadUntilClosedAsync(connection)).Closed;

    /// <summary>
    /// Reads until the broker closes the connection (EOF or reset) or <see cref="CloseTimeout"/> passes:
    /// whether it closed, and how many bytes it sent before.
    /// </summary>
    private static async Task<(bool Closed, int Received)> ReadUntilClosedAsync(TcpClient connection)
    {
        var buffer = new byte[4096];
        var received = 0;
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            while (true)
            {
                var read = await connection.GetStream().ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return (true, received);
                }
                received += read;
            }
        }
        catch (IOException)
        {
            return (true, received);
        }
        catch (OperationCanceledException)
        {
            return (false, received);
        }
    }

    /// <summary>Whether the protocol library reads <paramref name="body"/> as a request of that API and version.</summary>
    private static bool Decodes(ApiKey apiKey, short version, byte[] body)
    {
        var reader = new KafkaReader(body);
        try
        {
            ApiKeys.NewRequest(apiKey).Read(ref reader, version);
            return true;
        }
        catch (KafkaProtocolException)
        {
            return false;
        }
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>Request header v1 (or v2 when flexible: plus an empty tagged-field section), client id "hostile" unless given.</summary>
    private static byte[] RequestHeader(short apiKey, short version, int correlationId, bool flexible, string clientIdText = "hostile")
    {
        var clientId = System.Text.Encoding.ASCII.GetBytes(clientIdText).AsSpan();
        var header = new byte[8 + 2 + clientId.Length + (flexible ? 1 : 0)];
        BinaryPrimitives.WriteInt16BigEndian(header, apiKey);
        BinaryPrimitives.WriteInt16BigEndian(header.AsSpan(2), version);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), correlationId);
        BinaryPrimitives.WriteInt16BigEndian(header.AsSpan(8), (short)clientId.Length);
        clientId.CopyTo(header.AsSpan(10));
        return header;
    }
}
