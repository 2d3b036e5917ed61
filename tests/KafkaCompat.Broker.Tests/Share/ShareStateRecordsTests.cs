using System.Buffers.Binary;
using KafkaCompat.Broker.Share.Coordinator;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>
/// The bytes of <c>__share_group_state</c> records, assembled by hand from Kafka 4.2's schemas
/// (ShareSnapshotValue/ShareUpdateValue version 0, the delivery-complete count as tagged field 0),
/// and the partition a share-partition's coordinator key maps to, computed with Java's String.hashCode.
/// </summary>
public class ShareStateRecordsTests
{
    private static readonly Uuid TopicId = new(0, 1);

    [Test]
    public void ASnapshotKeyIsTypeZeroThenGroupTopicIdAndPartition()
    {
        var key = ShareStateRecords.SnapshotKey(new SharePartitionKey("g", TopicId, 7));

        byte[] expected = [0, 0, /* group id */ 0, 1, (byte)'g', /* topic id */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* partition */ 0, 0, 0, 7];
        Assert.That(key, Is.EqualTo(expected));
        Assert.That(ShareStateRecords.ReadKey(ShareStateRecords.UpdateKey(new SharePartitionKey("g", TopicId, 7))), Is.EqualTo(((short)1, new SharePartitionKey("g", TopicId, 7))));
    }

    [Test]
    public void ASnapshotValueHasInt32EpochsTimestampsBatchesAndTheDeliveryCompleteCountTagged()
    {
        var state = new ShareGroupOffset(SnapshotEpoch: 3, StateEpoch: 2, LeaderEpoch: 5, StartOffset: 100, DeliveryCompleteCount: 4,
            CreateTimestamp: 1000, WriteTimestamp: 2000, StateBatches: [new(100, 109, 2, 1)]);

        var bytes = ShareStateRecords.SnapshotValue(state);

        var expected = new List<byte>();
        expected.AddRange([0, 0]);
        expected.AddRange(Int32(3));
        expected.AddRange(Int32(2));
        expected.AddRange(Int32(5));
        expected.AddRange(Int64(100));
        expected.AddRange(Int64(1000));
        expected.AddRange(Int64(2000));
        expected.Add(2); // compact array of one batch
        expected.AddRange(Int64(100));
        expected.AddRange(Int64(109));
        expected.Add(2);
        expected.AddRange([0, 1]);
        expected.Add(0); // the batch's tagged fields
        expected.AddRange([1, 0, 4]); // one tagged field: tag 0, four bytes
        expected.AddRange(Int32(4));
        Assert.That(bytes, Is.EqualTo(expected.ToArray()));
        Assert.That(ShareStateRecords.ReadSnapshotValue(bytes), Is.EqualTo(state));
    }

    [Test]
    public void AnUpdateValueLeavesAnUnknownDeliveryCompleteCountOut()
    {
        var update = new ShareUpdate(SnapshotEpoch: 1, LeaderEpoch: 4, StartOffset: -1, DeliveryCompleteCount: -1, StateBatches: []);

        var bytes = ShareStateRecords.UpdateValue(update);

        byte[] expected = [0, 0, .. Int32(1), .. Int32(4), .. Int64(-1), /* no batches */ 1, /* no tagged fields */ 0];
        Assert.That(bytes, Is.EqualTo(expected));
    }

    [Test]
    public async Task AShareCoordinatorKeyPicksItsPartitionWithJavasStringHash()
    {
        await using var harness = new GroupHarness();
        var key = new SharePartitionKey("share-app", TopicId, 0);
        Assert.That(key.CoordinatorKey, Is.EqualTo("share-app:AAAAAAAAAAAAAAAAAAAAAQ:0"));

        // Java: "share-app:AAAAAAAAAAAAAAAAAAAAAQ:0".hashCode() == 1674196749; 1674196749 % 50 == 49.
        Assert.That(harness.Shares.PartitionFor(key.CoordinatorKey), Is.EqualTo(49));
    }

    [TestCase("share-app:AAAAAAAAAAAAAAAAAAAAAQ:3", true)]
    [TestCase("a:b:AAAAAAAAAAAAAAAAAAAAAQ:3", true)]
    [TestCase("share-app:AAAAAAAAAAAAAAAAAAAAAQ", false)]
    [TestCase("share-app:not-a-topic-id:3", false)]
    [TestCase(":AAAAAAAAAAAAAAAAAAAAAQ:3", false)]
    [TestCase("share-app:AAAAAAAAAAAAAAAAAAAAAQ:-3", false)]
    public void ACoordinatorKeyIsGroupTopicIdAndPartition(string key, bool valid)
    {
        Assert.That(SharePartitionKey.TryParse(key, out var parsed), Is.EqualTo(valid));
        if (valid)
        {
            Assert.That(parsed.CoordinatorKey, Is.EqualTo(key));
        }
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
