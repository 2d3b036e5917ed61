using KafkaCompat.ProtocolGen.Spec;

namespace KafkaCompat.Protocol.Tests.NewerReference;

/// <summary>
/// protocol-specs/ states the protocol as of the newer reference in ../shared/kafka-protocol-newer
/// (a compact notation, read by <see cref="CompactNotationReader"/>): every API key at the same
/// highest version and flexible versions, and in every version the same fields in the same wire
/// order, with the same types, and the same tagged fields.
/// </summary>
public class NewerReferenceTests
{
    private static IReadOnlyList<ReferenceMessage> RequireReference()
    {
        if (!Directory.Exists(RepoPaths.NewerSpecs))
        {
            Assert.Ignore($"skipped: no newer protocol reference at {RepoPaths.NewerSpecs}");
        }
        return CompactNotationReader.ReadFolder(RepoPaths.NewerSpecs);
    }

    private static Dictionary<(short Key, string Type), MessageSpec> OurApiMessages() =>
        SpecReader.ReadFolder(Path.Combine(RepoPaths.ProtocolSpecs, "message"))
            .Select(p => p.Spec)
            .Where(s => s.IsApiMessage)
            .ToDictionary(s => (s.ApiKey!.Value, s.Type));

    [Test]
    public void TheReaderSeesEveryApiKeyWithItsNestedStructsAndTags()
    {
        var reference = RequireReference();
        // Keys 0-92 as of the newer reference, each a request and a response.
        Assert.That(reference.Select(m => m.ApiKey).Distinct(), Is.EquivalentTo(Enumerable.Range(0, 93).Select(k => (short)k)));
        Assert.That(reference, Has.Count.EqualTo(93 * 2));
        var produce = reference.Single(m => m is { ApiKey: 0, IsRequest: true });
        Assert.That((produce.MaxVersion, produce.FlexibleVersions.Lowest), Is.EqualTo(((short)13, (short)9)));
        var topics = produce.Fields.Single(f => f.Name == "Topics");
        Assert.That(topics.Kind, Is.EqualTo("[]struct"));
        Assert.That(topics.Fields.Select(f => (f.Name, f.Kind, f.Versions?.ToString())),
            Is.EqualTo(new[] { ("Topic", "string", "0-12"), ("TopicID", "uuid", "13+"), ("Partitions", "[]struct", null) }));
        var fetchPartition = reference.Single(m => m is { ApiKey: 1, IsRequest: true }).Fields.Single(f => f.Name == "Topics").Fields.Single(f => f.Name == "Partitions");
        Assert.That(fetchPartition.Fields.Where(f => f.Tag is not null).Select(f => (f.Name, f.Tag)),
            Is.EqualTo(new[] { ("ReplicaDirectoryID", (int?)0), ("HighWatermark", (int?)1) }));
        // A struct named as a type elsewhere in the file is expanded where it is used.
        var streams = reference.Single(m => m is { ApiKey: 88, IsRequest: true });
        Assert.That(Flatten(streams.Fields).Any(f => f.Name == "SubtopologyID" && f.Kind == "string"), Is.True);
    }

    // Matched: the same field in each notation's style. Not matched: fields a misplaced position would pair.
    [TestCase("ThrottleMillis", "ThrottleTimeMs", true)]
    [TestCase("Topic", "Name", true)]
    [TestCase("Partition", "PartitionIndex", true)]
    [TestCase("Topics", "Responses", true)]
    [TestCase("InstanceID", "GroupInstanceId", true)]
    [TestCase("MaxRecords", "Topics", false)]
    [TestCase("AcquisitionLockTimeoutMillis", "Responses", false)]
    [TestCase("IsRenewAck", "Topics", false)]
    [TestCase("DeliveryCompleteCount", "StateBatches", false)]
    [TestCase("LeaderEpoch", "StartOffset", false)]
    [TestCase("ErrorMessage", "GroupId", false)]
    public void FieldNamesMatchAcrossTheTwoStylesOnly(string reference, string kafka, bool match) =>
        Assert.That(FieldNames.Match(reference, kafka), Is.EqualTo(match));

    [Test]
    public void EveryApiKeyHasTheReferencesHighestAndFlexibleVersions()
    {
        var reference = RequireReference();
        var ours = OurApiMessages();
        Assert.Multiple(() =>
        {
            foreach (var message in reference)
            {
                var type = message.IsRequest ? "request" : "response";
                if (!ours.TryGetValue((message.ApiKey, type), out var spec))
                {
                    Assert.Fail($"key {message.ApiKey} {type} ({message.Name}) is missing from protocol-specs");
                    continue;
                }
                Assert.That(spec.ValidVersions.Highest, Is.EqualTo(message.MaxVersion), $"{spec.Name} highest version");
                Assert.That(spec.FlexibleVersions, Is.EqualTo(message.FlexibleVersions), $"{spec.Name} flexible versions");
            }
        });
    }

    [Test]
    public void EveryFieldIsPresentInTheSameVersionsWithTheSameTypeAndTag()
    {
        var reference = RequireReference();
        var ours = OurApiMessages();
        var problems = new List<string>();
        foreach (var message in reference)
        {
            if (ours.TryGetValue((message.ApiKey, message.IsRequest ? "request" : "response"), out var spec))
            {
                var structs = spec.CommonStructs.ToDictionary(s => s.Name, s => s.Fields);
                for (short v = spec.ValidVersions.Lowest; v <= message.MaxVersion; v++)
                {
                    new FieldComparison(structs, message.FlexibleVersions, v, message.MaxVersion, problems).Compare(spec.Name, message.Fields, spec.Fields);
                }
            }
        }
        var distinct = problems.Distinct().ToList();
        foreach (var (where, why) in KnownDifferences)
        {
            Assert.That(distinct.Where(p => Concerns(p, where)), Is.Not.Empty, $"{where} no longer differs ({why}): drop it from the known differences");
        }
        var unexplained = distinct.Where(p => !KnownDifferences.Keys.Any(where => Concerns(p, where))).ToList();
        TestContext.Out.WriteLine(string.Join('\n', unexplained));
        Assert.That(unexplained, Is.Empty);
    }

    /// <summary>
    /// Where the newer reference and Kafka's own JSON (the older folder, which UpstreamSpecTests holds
    /// protocol-specs to) disagree within the older folder's versions, Kafka's JSON wins, except for
    /// the versions Kafka redefined before releasing them (UpstreamSpecTests.RedefinedBeforeRelease).
    /// </summary>
    private static readonly Dictionary<(string Message, short Version), string> KnownDifferences = new()
    {
        [("StopReplicaRequest", 4)] = "Kafka's JSON puts isKRaftController before ControllerEpoch; the reference after it",
        [("UpdateMetadataRequest", 8)] = "Kafka's JSON has a tagged Type (tag 0) in v8 that the reference lacks",
    };

    private static bool Concerns(string problem, (string Message, short Version) where) =>
        (problem.StartsWith(where.Message + " ", StringComparison.Ordinal) || problem.StartsWith(where.Message + ".", StringComparison.Ordinal))
        && problem.Contains($" v{where.Version}:", StringComparison.Ordinal);

    private static IEnumerable<ReferenceField> Flatten(IEnumerable<ReferenceField> fields) =>
        fields.SelectMany(f => Flatten(f.Fields).Prepend(f));
}
