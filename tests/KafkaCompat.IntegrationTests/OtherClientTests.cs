using System.Text.Json;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests;

/// <summary>kcat (librdkafka 2.0.2), kafka-python 2.0.2 and kafkajs 2.2.4 against the broker running as its own process.</summary>
[TestFixture]
public sealed class OtherClientTests : ProcessBrokerTests
{
    private const string Kcat = "/usr/bin/kcat";
    private const string Python = "/usr/bin/python3";
    private const string Node = "node";

    [Test]
    public async Task KcatProducesAndConsumesWithZstd()
    {
        Assert.That(File.Exists(Kcat), Is.True, "kcat is installed by test.sh");
        const string topic = "kcat-zstd";
        const int count = 500;
        var sent = Enumerable.Range(0, count).Select(i => (Key: $"key-{i}", Value: $"value {i} from kcat")).ToList();

        var produce = await ExternalCommand.RunAsync(Kcat,
            ["-b", Broker.BootstrapServers, "-P", "-t", topic, "-p", "0", "-K:", "-z", "zstd", "-X", "acks=all"],
            string.Concat(sent.Select(s => $"{s.Key}:{s.Value}\n")));
        Assert.That(produce.ExitCode, Is.Zero, produce.ToString());

        var consume = await ExternalCommand.RunAsync(Kcat,
            ["-b", Broker.BootstrapServers, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o\t%k\t%s\n"]);
        Assert.That(consume.ExitCode, Is.Zero, consume.ToString());
        var lines = consume.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(sent.Select((s, i) => $"{i}\t{s.Key}\t{s.Value}")), consume.StandardError);
    }

    [TestCase("none")]
    [TestCase("gzip")]
    [TestCase("snappy")]
    [TestCase("lz4")]
    [TestCase("zstd")]
    public async Task KafkaPythonProducesAndConsumes(string codec)
    {
        Assert.That(File.Exists(Python), Is.True, "Debian's python3, where test.sh installs kafka-python");
        var topic = $"kafka-python-{codec}";
        const int count = 200;
        var script = Path.Combine(RepoPaths.Scripts, "kafka_python_roundtrip.py");
        var run = await ExternalCommand.RunAsync(Python, [script, Broker.BootstrapServers, topic, count.ToString(), codec], timeout: TimeSpan.FromSeconds(90));
        Assert.That(run.ExitCode, Is.Zero, run.ToString());

        var received = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<JsonElement>(line))
            .Select(r => (Offset: r.GetProperty("offset").GetInt64(), Key: r.GetProperty("key").GetString(), Value: r.GetProperty("value").GetString()))
            .ToList();
        Assert.That(received, Is.EqualTo(Enumerable.Range(0, count).Select(i => ((long)i, (string?)$"key-{i}", (string?)$"value-{i}"))), run.StandardError);
    }

    [Test]
    public async Task KafkajsDisconnectsWithoutAnError()
    {
        // kafkajs closes its side (FIN) on disconnect and logs an ERROR when the broker answers that
        // with a reset (read ECONNRESET) instead of closing its own side.
        var kafkajs = Path.Combine(RepoPaths.NodeClients, "node_modules", "kafkajs");
        Assert.That(Directory.Exists(kafkajs), Is.True, $"kafkajs at {kafkajs}, installed by test.sh (compat-tests/lib/install-node-clients.sh)");
        var script = Path.Combine(RepoPaths.Scripts, "kafkajs_disconnect.mjs");
        var run = await ExternalCommand.RunAsync(Node, [script, Broker.BootstrapServers, "kafkajs-disconnect", RepoPaths.NodeClients], timeout: TimeSpan.FromSeconds(90));
        Assert.That(run.ExitCode, Is.Zero, run.ToString());

        var result = JsonSerializer.Deserialize<JsonElement>(run.StandardOutput);
        Assert.That(result.GetProperty("sockets").GetInt32(), Is.GreaterThan(0), run.StandardOutput);
        Assert.That(result.GetProperty("allClosed").GetBoolean(), Is.True, "every socket kafkajs opened closed after disconnect: " + run.StandardOutput);
        var errors = result.GetProperty("logged").EnumerateArray()
            .Where(entry => entry.GetProperty("label").GetString() == "ERROR")
            .Select(entry => entry.GetProperty("message").GetString())
            .ToList();
        Assert.That(errors, Is.Empty, "what kafkajs logged at ERROR level");
    }
}
