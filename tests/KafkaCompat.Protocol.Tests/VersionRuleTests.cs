using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Protocol.Tests;

/// <summary>What the generated classes refuse to write, and the header rules.</summary>
public class VersionRuleTests
{
    [Test]
    public void AValueTheVersionCannotCarryIsRefused()
    {
        // TransactionalId arrived in Produce v3.
        var request = new ProduceRequestData { TransactionalId = "tx" };
        var e = Assert.Throws<UnsupportedVersionException>(() => request.Serialize(2));
        Assert.That(e!.Message, Does.Contain("TransactionalId"));
        Assert.DoesNotThrow(() => request.Serialize(3));
    }

    [Test]
    public void AnIgnorableFieldIsDroppedSilently()
    {
        // ApiVersionsResponse.ThrottleTimeMs (v1+) is ignorable: v0 just loses it.
        var response = new ApiVersionsResponseData { ThrottleTimeMs = 100 };
        Assert.That(KafkaMessages.Deserialize<ApiVersionsResponseData>(response.Serialize(0), 0).ThrottleTimeMs, Is.Zero);
        // MetadataRequest.AllowAutoTopicCreation (v4+) is not: an old version cannot say "do not create".
        Assert.Throws<UnsupportedVersionException>(() => new MetadataRequestData { AllowAutoTopicCreation = false, Topics = [] }.Serialize(3));
    }

    [Test]
    public void NullIsRefusedWhereTheVersionDoesNotAllowIt()
    {
        // Metadata topics became nullable in v1 (null = all topics).
        var request = new MetadataRequestData { Topics = null };
        Assert.Throws<UnsupportedVersionException>(() => request.Serialize(0));
        Assert.That(KafkaMessages.Deserialize<MetadataRequestData>(request.Serialize(1), 1).Topics, Is.Null);
    }

    [Test]
    public void UnknownTaggedFieldsCannotBeWrittenInAVersionThatIsNotFlexible()
    {
        var request = new ApiVersionsRequestData { UnknownTaggedFields = [new RawTaggedField(7, new byte[] { 1 })] };
        Assert.Throws<UnsupportedVersionException>(() => request.Serialize(2));
        Assert.DoesNotThrow(() => request.Serialize(3));
    }

    [Test]
    public void AVersionOutsideTheRangeIsRefusedBothWays()
    {
        Assert.Throws<UnsupportedVersionException>(() => new ProduceRequestData().Serialize(14));
        Assert.Throws<UnsupportedVersionException>(() => KafkaMessages.Deserialize<ProduceRequestData>(new byte[20], -1));
    }

    [Test]
    public void SpecDefaultsAreApplied()
    {
        var partition = new FetchRequestData.FetchPartition();
        Assert.Multiple(() =>
        {
            Assert.That(partition.CurrentLeaderEpoch, Is.EqualTo(-1));
            Assert.That(partition.LogStartOffset, Is.EqualTo(-1));
            Assert.That(new FetchRequestData().ReplicaId, Is.EqualTo(-1));
            Assert.That(new FetchRequestData().MaxBytes, Is.EqualTo(int.MaxValue), "0x7fffffff in the spec");
            Assert.That(new ProduceRequestData().TransactionalId, Is.Null);
            Assert.That(new MetadataRequestData().AllowAutoTopicCreation, Is.True);
        });
    }

    [Test]
    public void ArraysWithAMapKeyCanBeSearchedByKey()
    {
        var request = new ProduceRequestData();
        request.TopicData.Add(new ProduceRequestData.TopicProduceData { Name = "a" });
        request.TopicData.Add(new ProduceRequestData.TopicProduceData { Name = "b" });
        Assert.That(request.TopicData.Find("b"), Is.SameAs(request.TopicData[1]));
        Assert.That(request.TopicData.Find("c"), Is.Null);
    }

    [TestCase(ApiKey.Produce, 8, 1, 0)]
    [TestCase(ApiKey.Produce, 9, 2, 1)]
    [TestCase(ApiKey.Metadata, 12, 2, 1)]
    [TestCase(ApiKey.ApiVersions, 2, 1, 0)]
    [TestCase(ApiKey.ApiVersions, 3, 2, 0)]
    [TestCase(ApiKey.ControlledShutdown, 0, 0, 0)]
    [TestCase(ApiKey.ControlledShutdown, 1, 1, 0)]
    public void HeaderVersions(ApiKey key, short version, short requestHeader, short responseHeader)
    {
        Assert.That(ApiKeys.RequestHeaderVersion(key, version), Is.EqualTo(requestHeader));
        Assert.That(ApiKeys.ResponseHeaderVersion(key, version), Is.EqualTo(responseHeader));
    }

    [Test]
    public void ApiTableKnowsRangesAndBuildsMessages()
    {
        Assert.That(ApiKeys.ValidVersions(ApiKey.Produce), Is.EqualTo(new VersionRange(0, 13)));
        Assert.That(ApiKeys.ValidVersions(ApiKey.Fetch), Is.EqualTo(new VersionRange(0, 18)));
        Assert.That(ApiKeys.FlexibleVersions(ApiKey.Fetch).Lowest, Is.EqualTo(12));
        Assert.That(ApiKeys.NewRequest(ApiKey.Fetch), Is.InstanceOf<FetchRequestData>());
        Assert.That(ApiKeys.NewResponse(ApiKey.JoinGroup), Is.InstanceOf<JoinGroupResponseData>());
        Assert.That(ApiKeys.NewRequest(ApiKey.Produce).ApiKey, Is.EqualTo(ApiKey.Produce));
    }

    [Test]
    public void UuidPrintsLikeKafka()
    {
        // Kafka prints topic ids as URL-safe base64 without padding; all-zero is AAAAAAAAAAAAAAAAAAAAAA.
        Assert.That(Uuid.Zero.ToString(), Is.EqualTo("AAAAAAAAAAAAAAAAAAAAAA"));
        var id = Uuid.NewRandom();
        Assert.That(Uuid.Parse(id.ToString()), Is.EqualTo(id));
        Assert.That(new Uuid(-1, -1).ToString(), Is.EqualTo("_____________________w"));
    }
}
