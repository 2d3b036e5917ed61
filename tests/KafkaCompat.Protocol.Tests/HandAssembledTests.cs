using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Protocol.Tests;

/// <summary>Bytes written out by hand from the protocol guide, decoded and re-encoded.</summary>
public class HandAssembledTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Test]
    public void ClassicStringsAndArrays()
    {
        // MetadataRequest v0: int32 array length 1, int16-length string "ab".
        var bytes = Hex("00000001 0002 6162");
        var request = KafkaMessages.Deserialize<MetadataRequestData>(bytes, 0);
        Assert.That(request.Topics!.Select(t => t.Name), Is.EqualTo(new[] { "ab" }));
        Assert.That(request.Serialize(0), Is.EqualTo(bytes));
    }

    [Test]
    public void CompactStringsAndTaggedFieldSection()
    {
        // ApiVersionsRequest v3: compact string "kc" (length+1 = 3), "1.0" (4), no tagged fields (0).
        var bytes = Hex("03 6b63 04 312e30 00");
        var request = KafkaMessages.Deserialize<ApiVersionsRequestData>(bytes, 3);
        Assert.That(request.ClientSoftwareName, Is.EqualTo("kc"));
        Assert.That(request.ClientSoftwareVersion, Is.EqualTo("1.0"));
        Assert.That(request.Serialize(3), Is.EqualTo(bytes));
    }

    [Test]
    public void KnownAndUnknownTaggedFieldsSurviveInOrder()
    {
        // ApiVersionsResponse v3: error 0, empty compact array (1), throttle 0, then two tagged
        // fields: tag 1 (FinalizedFeaturesEpoch, int64 = 5) and tag 9, unknown to Kafka, 2 bytes.
        var bytes = Hex("0000 01 00000000 02 01 08 0000000000000005 09 02 aabb");
        var response = KafkaMessages.Deserialize<ApiVersionsResponseData>(bytes, 3);
        Assert.That(response.FinalizedFeaturesEpoch, Is.EqualTo(5));
        Assert.That(response.UnknownTaggedFields, Has.Count.EqualTo(1));
        Assert.That(response.UnknownTaggedFields![0].Tag, Is.EqualTo(9));
        Assert.That(response.UnknownTaggedFields[0].Data.ToArray(), Is.EqualTo(new byte[] { 0xaa, 0xbb }));
        Assert.That(response.Serialize(3), Is.EqualTo(bytes));
    }

    [Test]
    public void ATagKnownOnlyInLaterVersionsIsKeptAsUnknown()
    {
        // FetchRequest v12 knows tag 0 (ClusterId); tag 1 (ReplicaState) only exists from v15.
        var request = new FetchRequestData { ClusterId = "c", UnknownTaggedFields = [new RawTaggedField(1, new byte[] { 0xff })] };
        var bytes = request.Serialize(12);
        // Tagged section at the end: 2 fields; tag 0, 2 bytes, compact "c"; tag 1, 1 byte, ff.
        Assert.That(bytes[^8..], Is.EqualTo(Hex("02 00 02 0263 01 01 ff")));
        Assert.That(KafkaMessages.Deserialize<FetchRequestData>(bytes, 12), Is.EqualTo(request));
    }

    [Test]
    public void NullableStructUsesAPresenceByte()
    {
        // ConsumerGroupHeartbeatResponse v0 Assignment is a nullable struct: -1 means null.
        var response = new ConsumerGroupHeartbeatResponseData { Assignment = null };
        var bytes = response.Serialize(0);
        Assert.That(bytes[^2], Is.EqualTo(0xff), "int8 -1 before the (empty) tagged section");
        Assert.That(KafkaMessages.Deserialize<ConsumerGroupHeartbeatResponseData>(bytes, 0).Assignment, Is.Null);
    }

    [Test]
    public void BytesAreSlicesOfTheInputNotCopies()
    {
        var request = new ProduceRequestData();
        request.TopicData.Add(new ProduceRequestData.TopicProduceData { Name = "t" });
        request.TopicData[0].PartitionData.Add(new ProduceRequestData.PartitionProduceData { Records = new byte[] { 9, 8, 7 } });
        var buffer = request.Serialize(9);
        var read = KafkaMessages.Deserialize<ProduceRequestData>(buffer, 9);
        var records = read.TopicData[0].PartitionData[0].Records!.Value;
        Assert.That(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(records, out var segment) && segment.Array == buffer, "records must point into the request buffer");
    }
}
