using System.Text.Json;
using KafkaCompat.IntegrationTests.Fixtures;

namespace KafkaCompat.IntegrationTests;

/// <summary>
/// kafka-python 2.0.2 pinned to old broker versions, so it speaks as clients of that era do:
/// 0.9 produces magic 0 (Produce v1) and fetches with Fetch v1 and ListOffsets v0; 0.10.1 produces
/// magic 1 (Produce v2) and fetches with Fetch v3; 0.11 produces record batches (Produce v3) but
/// still fetches with Fetch v3. Each produces with keys and timestamps, consumes in a group of
/// that era's JoinGroup/SyncGroup versions, commits and reads the commit back.
/// </summary>
[TestFixture]
public sealed class LegacyClientTests : ProcessBrokerTests
{
    private const string Python = "/usr/bin/python3";

    [TestCase("0.9", "none")]
    [TestCase("0.9", "gzip")]
    [TestCase("0.9", "snappy")]
    [TestCase("0.9", "lz4")]
    [TestCase("0.10.1", "none")]
    [TestCase("0.10.1", "gzip")]
    [TestCase("0.10.1", "snappy")]
    [TestCase("0.10.1", "lz4")]
    [TestCase("0.11", "none")]
    [TestCase("0.11", "lz4")]
    public async Task KafkaPythonPinnedOldProducesConsumesAndCommits(string apiVersion, string codec)
    {
        Assert.That(File.Exists(Python), Is.True, "Debian's python3, where test.sh installs kafka-python");
        var topic = $"legacy-{apiVersion.Replace('.', '-')}-{codec}";
        const int count = 50;
        var script = Path.Combine(RepoPaths.Scripts, "kafka_python_legacy.py");
        var run = await ExternalCommand.RunAsync(Python, [script, Broker.BootstrapServers, topic, apiVersion, codec, count.ToString()], timeout: TimeSpan.FromSeconds(120));
        Assert.That(run.ExitCode, Is.Zero, run.ToString());

        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<JsonElement>(line)).ToList();
        var received = lines.SkipLast(1)
            .Select(r => (
                Offset: r.GetProperty("offset").GetInt64(),
                Key: r.GetProperty("key").GetString(),
                Value: r.GetProperty("value").GetString(),
                Timestamp: r.GetProperty("timestamp").ValueKind == JsonValueKind.Null ? (long?)null : r.GetProperty("timestamp").GetInt64()))
            .ToList();
        // Magic 0 has no timestamps: a Fetch v1 answer carries none, whatever was produced.
        var expected = Enumerable.Range(0, count).Select(i => ((long)i, (string?)$"key-{i}", (string?)$"value-{i}", apiVersion == "0.9" ? null : (long?)(1_700_000_000_000 + i)));
        Assert.That(received, Is.EqualTo(expected), run.StandardError);
        Assert.That(lines[^1].GetProperty("committed").GetInt64(), Is.EqualTo(count), "the group's committed offset, read back by a second consumer");
    }
}
