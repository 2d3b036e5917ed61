using KafkaCompat.ProtocolGen;
using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// The generator reads Apache Kafka's own spec folder unchanged (comments,
/// prose and all), and protocol-specs/ states the same wire facts.
/// </summary>
public class UpstreamSpecTests
{
    private static readonly string[] Folders = ["message", "coordinator", "metadata", "raft"];

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
        Assert.That(files, Has.Count.EqualTo(specCount + (folder is "coordinator" or "raft" ? 0 : 1)));
        Assert.That(files.Values, Has.All.Contains("public sealed partial class").Or.Contains("public enum "));
    }

    [TestCaseSource(nameof(Folders))]
    public void ProtocolSpecsCarryTheSameWireFactsAsUpstream(string folder)
    {
        var upstream = Path.Combine(RequireUpstream(), folder);
        var ours = Path.Combine(RepoPaths.ProtocolSpecs, folder);
        var upstreamNames = Directory.GetFiles(upstream, "*.json").Select(Path.GetFileName).Order().ToList();
        var ourNames = Directory.GetFiles(ours, "*.json").Select(Path.GetFileName).Order().ToList();
        // Every upstream message is here; the APIs Kafka added since (keys 88-92) are here too.
        Assert.That(ourNames, Is.SupersetOf(upstreamNames));

        Assert.Multiple(() =>
        {
            foreach (var name in upstreamNames)
            {
                var upstreamSpec = SpecReader.ReadFile(Path.Combine(upstream, name!));
                var ourSpec = SpecReader.ReadFile(Path.Combine(ours, name!));
                // protocol-specs/ may run ahead of upstream (newer versions, checked against the newer
                // reference by NewerReferenceTests), never behind it: within upstream's versions the facts are the same.
                Assert.That(ourSpec.ValidVersions.Highest, Is.GreaterThanOrEqualTo(upstreamSpec.ValidVersions.Highest), name);
                var theirs = SpecFactsWriter.Write(upstreamSpec);
                var cut = SpecThroughVersion.Cut(ourSpec, upstreamSpec.ValidVersions.Highest, upstreamSpec.LatestVersionUnstable);
                var mine = SpecFactsWriter.Write(WithoutTaggedFieldsAddedSince(cut, upstreamSpec));
                if (RedefinedBeforeRelease.ContainsKey(folder + "/" + name))
                {
                    // An exception must stay true: if the two agree again, it is no longer needed.
                    Assert.That(mine, Is.Not.EqualTo(theirs), $"{name} agrees with upstream again: drop it from {nameof(RedefinedBeforeRelease)}");
                    continue;
                }
                Assert.That(mine, Is.EqualTo(theirs), name);
            }
        });
    }

    /// <summary>
    /// Kafka adds tagged fields to a version without bumping it (KIP-482): KIP-1101's MetadataHash in
    /// ConsumerGroupMetadataValue v0 came with Kafka 4.1, after the upstream snapshot. A top-level
    /// tagged field upstream does not have is such an addition; every other fact must still agree.
    /// </summary>
    private static MessageSpec WithoutTaggedFieldsAddedSince(MessageSpec ours, MessageSpec upstream)
    {
        var known = upstream.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        return new MessageSpec
        {
            Name = ours.Name,
            Type = ours.Type,
            ApiKey = ours.ApiKey,
            ValidVersions = ours.ValidVersions,
            FlexibleVersions = ours.FlexibleVersions,
            DeprecatedVersions = ours.DeprecatedVersions,
            LatestVersionUnstable = ours.LatestVersionUnstable,
            Listeners = ours.Listeners,
            Fields = [.. ours.Fields.Where(f => !f.IsTagged || known.Contains(f.Name))],
            CommonStructs = ours.CommonStructs,
            About = ours.About,
        };
    }

    /// <summary>
    /// Specs of KIP-932 that the late-2024 upstream folder marks as still in development ("subject to
    /// non-backwards-compatible changes", or an unstable latest version) and that Kafka changed
    /// within the same version before releasing share groups: protocol-specs/ states Kafka 4.x's
    /// released form, which the newer reference (NewerReferenceTests) and the share coordinator's
    /// hand-assembled record tests check instead.
    /// </summary>
    private static readonly Dictionary<string, string> RedefinedBeforeRelease = new()
    {
        ["coordinator/ShareSnapshotValue.json"] = "Kafka 4.0 made SnapshotEpoch an int32 and added CreateTimestamp and WriteTimestamp; 4.2 the tagged DeliveryCompleteCount (KIP-1226)",
        ["coordinator/ShareUpdateValue.json"] = "Kafka 4.0 made SnapshotEpoch an int32; 4.2 added the tagged DeliveryCompleteCount (KIP-1226)",
        ["message/ReadShareGroupStateSummaryResponse.json"] = "v0 was unstable in late 2024; Kafka 4.1 released it with LeaderEpoch",
        ["coordinator/ShareGroupMetadataValue.json"] = "Kafka 4.1 added MetadataHash (KIP-1101) to version 0, untagged",
        ["coordinator/ShareGroupStatePartitionMetadataValue.json"] = "Kafka 4.1 added InitializingTopics and each topic's CreateTimestamp to version 0",
    };

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
