using KafkaCompat.ProtocolGen;
using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// The generator reads Apache Kafka's own spec folder unchanged (comments,
/// prose and all), and protocol-specs/ states the same wire facts.
/// </summary>
public class UpstreamSpecTests
{
    private static readonly string[] Folders = ["message", "coordinator", "metadata"];

    private static string RequireUpstream()
    {
        if (!Directory.Exists(RepoPaths.UpstreamSpecs))
        {
            Assert.Ignore($"skipped: no upstream Kafka specs at {RepoPaths.UpstreamSpecs}");
        }
        return RepoPaths.UpstreamSpecs;
    }

    [TestCaseSource(nameof(Folders))]
    public void EveryUpstreamSpecGenerates(string folder)
    {
        var upstream = Path.Combine(RequireUpstream(), folder);
        var files = Generator.Generate(upstream);
        var specCount = Directory.GetFiles(upstream, "*.json").Length;
        // One class per spec, plus the ApiKey table (messages) or the record type table (metadata).
        Assert.That(files, Has.Count.EqualTo(specCount + (folder == "coordinator" ? 0 : 1)));
        Assert.That(files.Values, Has.All.Contains("public sealed partial class").Or.Contains("public enum "));
    }

    [TestCaseSource(nameof(Folders))]
    public void ProtocolSpecsCarryTheSameWireFactsAsUpstream(string folder)
    {
        var upstream = Path.Combine(RequireUpstream(), folder);
        var ours = Path.Combine(RepoPaths.ProtocolSpecs, folder);
        var upstreamNames = Directory.GetFiles(upstream, "*.json").Select(Path.GetFileName).Order().ToList();
        var ourNames = Directory.GetFiles(ours, "*.json").Select(Path.GetFileName).Order().ToList();
        Assert.That(ourNames, Is.EqualTo(upstreamNames));

        Assert.Multiple(() =>
        {
            foreach (var name in upstreamNames)
            {
                var theirs = SpecFactsWriter.Write(SpecReader.ReadFile(Path.Combine(upstream, name!)));
                var mine = SpecFactsWriter.Write(SpecReader.ReadFile(Path.Combine(ours, name!)));
                Assert.That(mine, Is.EqualTo(theirs), name);
            }
        });
    }

    [Test]
    public void ProtocolSpecsCarryNoUpstreamProse()
    {
        foreach (var file in Directory.EnumerateFiles(RepoPaths.ProtocolSpecs, "*.json", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.That(text, Does.Not.Contain("\"about\"").And.Not.Contain("//").And.Not.Contain("Licensed to the Apache"), file);
        }
    }
}
