namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// Every message of every spec at every valid version: random contents
/// written, read back and compared, with Size equal to the bytes written.
/// </summary>
public class RoundTripTests
{
    private const int Seeds = 4;

    public static IEnumerable<TestCaseData> Cases() =>
        from entry in SpecCatalog.All
        from version in Enumerable.Range(entry.Spec.ValidVersions.Lowest, entry.Spec.ValidVersions.Highest - entry.Spec.ValidVersions.Lowest + 1)
        select new TestCaseData(entry, (short)version).SetName($"{entry.Spec.Name} v{version}");

    [TestCaseSource(nameof(Cases))]
    public void WriteThenReadGivesTheSameMessage(SpecCatalog.Entry entry, short version)
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var original = (IKafkaMessage)new RandomMessages(seed * 7919 + version).Create(entry, version);
            var bytes = original.Serialize(version);
            Assert.That(bytes, Has.Length.EqualTo(original.Size(version)), "Size() must match the bytes written");

            var copy = (IKafkaMessage)Activator.CreateInstance(entry.Class)!;
            var reader = new KafkaReader(bytes);
            copy.Read(ref reader, version);

            Assert.That(reader.Remaining, Is.Zero, "Read must consume exactly what Write produced");
            Assert.That(copy, Is.EqualTo(original), $"seed {seed}");
            // Independent of Equals: writing the copy must give the very same bytes.
            Assert.That(copy.Serialize(version), Is.EqualTo(bytes), $"seed {seed}");
        }
    }

    [Test]
    public void EveryApiKeyHasRequestAndResponseSpecs()
    {
        var apiSpecs = SpecCatalog.All.Where(e => e.Spec.IsApiMessage).ToList();
        Assert.That(apiSpecs.Count(e => e.Spec.Type == "request"), Is.EqualTo(ApiKeys.All.Count));
        Assert.That(apiSpecs.Count(e => e.Spec.Type == "response"), Is.EqualTo(ApiKeys.All.Count));
        // Kafka's API set as of the newer reference: keys 0-92 (4.x added 88-92: streams groups, share-group offsets).
        Assert.That(ApiKeys.All, Has.Count.EqualTo(93));
    }

    [Test]
    public void EqualsSeesADifferenceDeepInsideAMessage()
    {
        var entry = SpecCatalog.All.Single(e => e.Spec.Name == "ProduceRequest");
        var a = new Messages.ProduceRequestData { Acks = -1 };
        a.TopicData.Add(new Messages.ProduceRequestData.TopicProduceData { Name = "t" });
        a.TopicData[0].PartitionData.Add(new Messages.ProduceRequestData.PartitionProduceData { Index = 1, Records = new byte[] { 1, 2 } });
        var b = KafkaMessages.Deserialize<Messages.ProduceRequestData>(a.Serialize(9), 9);
        Assert.That(b, Is.EqualTo(a));
        b.TopicData[0].PartitionData[0].Records = new byte[] { 1, 3 };
        Assert.That(b, Is.Not.EqualTo(a), entry.Spec.Name);
    }
}
