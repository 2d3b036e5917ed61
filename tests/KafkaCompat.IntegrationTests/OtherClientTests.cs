using System.Text.Json;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests;

/// <summary>kcat (librdkafka 2.0.2) and kafka-python 2.0.2 against the broker running as its own process.</summary>
[TestFixture]
public sealed class OtherClientTests : ProcessBrokerTests
{
    private const string Kcat = "/usr/bin/kcat";
    private const string Python = "/usr/bin/python3";

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
}
