using KafkaCompat.Broker.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;

namespace KafkaCompat.Broker.Tests.Groups;

public class CoordinatorRecordTests
{
    [Test]
    public void AnOffsetCommitKeyIsKafkasVersion1Key()
    {
        // int16 version 1, string group "g1", string topic "t", int32 partition 3.
        byte[] expected = [0x00, 0x01, 0x00, 0x02, (byte)'g', (byte)'1', 0x00, 0x01, (byte)'t', 0x00, 0x00, 0x00, 0x03];
        Assert.That(CoordinatorRecordSerde.OffsetCommitKey("g1", "t", 3), Is.EqualTo(expected));
    }

    [Test]
    public void AGroupMetadataKeyIsKafkasVersion2Key()
    {
        byte[] expected = [0x00, 0x02, 0x00, 0x03, (byte)'a', (byte)'p', (byte)'p'];
        Assert.That(CoordinatorRecordSerde.GroupMetadataKey("app"), Is.EqualTo(expected));
    }

    [Test]
    public void AnOffsetCommitValueIsVersion3WithTheLeaderEpoch()
    {
        byte[] expected =
        [
            0x00, 0x03,                                     // value version 3
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, // offset 42
            0x00, 0x00, 0x00, 0x05,                         // leader epoch 5
            0x00, 0x01, (byte)'m',                          // metadata "m"
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8, // commit timestamp 1000
        ];
        Assert.That(CoordinatorRecordSerde.OffsetCommitValue(new OffsetAndMetadata(42, 5, "m", 1000, null)), Is.EqualTo(expected));
    }

    [Test]
    public void AnOffsetWithAnExpireTimestampIsWrittenAsVersion1()
    {
        var value = CoordinatorRecordSerde.OffsetCommitValue(new OffsetAndMetadata(42, 5, "", 1000, 2000));
        Assert.That(value[..2], Is.EqualTo(new byte[] { 0, 1 }));
        var parsed = (CoordinatorRecord.OffsetCommit)CoordinatorRecordSerde.Parse(CoordinatorRecordSerde.OffsetCommitKey("g", "t", 0), value)!;
        Assert.That(parsed.Value, Is.EqualTo(new OffsetAndMetadata(42, -1, "", 1000, 2000)));
    }

    [Test]
    public void RecordsRoundTripAndNullValuesAreTombstones()
    {
        var key = CoordinatorRecordSerde.OffsetCommitKey("g", "orders", 7);
        var commit = CoordinatorRecordSerde.Parse(key, CoordinatorRecordSerde.OffsetCommitValue(new OffsetAndMetadata(10, 2, "x", 5, null)));
        Assert.That(commit, Is.EqualTo(new CoordinatorRecord.OffsetCommit("g", "orders", 7, new OffsetAndMetadata(10, 2, "x", 5, null))));
        Assert.That(CoordinatorRecordSerde.Parse(key, null), Is.EqualTo(new CoordinatorRecord.OffsetCommit("g", "orders", 7, null)));

        var group = new GroupMetadataValue { ProtocolType = "consumer", Generation = 4, Protocol = "range", Leader = "m1", CurrentStateTimestamp = 99 };
        group.Members.Add(new GroupMetadataValue.MemberMetadata
        {
            MemberId = "m1", GroupInstanceId = "pod", ClientId = "c", ClientHost = "/1.2.3.4", RebalanceTimeout = 300, SessionTimeout = 100,
            Subscription = new byte[] { 1 }, Assignment = new byte[] { 2 },
        });
        var value = CoordinatorRecordSerde.GroupMetadataValue(group);
        Assert.That(value[..2], Is.EqualTo(new byte[] { 0, 3 }), "GroupMetadataValue version 3");
        var parsed = (CoordinatorRecord.GroupMetadata)CoordinatorRecordSerde.Parse(CoordinatorRecordSerde.GroupMetadataKey("g"), value)!;
        Assert.That(parsed.Value!.Members.Single().GroupInstanceId, Is.EqualTo("pod"));
        Assert.That(parsed.Value.Generation, Is.EqualTo(4));
        Assert.That(CoordinatorRecordSerde.Parse(CoordinatorRecordSerde.GroupMetadataKey("g"), null), Is.EqualTo(new CoordinatorRecord.GroupMetadata("g", null)));
    }

    [Test]
    public void KeysOfOtherRecordTypesAreSkipped() =>
        // Key version 17 is a streams group's metadata (KIP-1071), not served here.
        Assert.That(CoordinatorRecordSerde.Parse(new byte[] { 0, 17, 0, 1, (byte)'g' }, new byte[] { 0, 0 }), Is.Null);

    [Test]
    public void ShareGroupRecordsUseKafkasKeyVersionsAndReadBack()
    {
        // Key version 11 is ShareGroupMetadataKey (KIP-932), a string group id; value version 0, a flexible struct.
        var (key, value) = CoordinatorRecordSerde.ShareGroupRecord(
            new CoordinatorRecord.ShareGroupMetadata("g", new KafkaCompat.Protocol.Coordinator.ShareGroupMetadataValue { Epoch = 7, MetadataHash = 0x0102030405060708 }));
        Assert.That(key, Is.EqualTo(new byte[] { 0, 11, 0, 1, (byte)'g' }));
        // Kafka 4.1's version 0: the epoch, then KIP-1101's MetadataHash as a plain (untagged) int64.
        Assert.That(value, Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8, 0 }));
        var parsed = (CoordinatorRecord.ShareGroupMetadata)CoordinatorRecordSerde.Parse(key, value)!;
        Assert.That((parsed.GroupId, parsed.Value!.Epoch, parsed.Value.MetadataHash), Is.EqualTo(("g", 7, 0x0102030405060708L)));
        // Kafka 4.0's version 0 had the epoch alone: still read.
        var kafka40 = (CoordinatorRecord.ShareGroupMetadata)CoordinatorRecordSerde.Parse(key, new byte[] { 0, 0, 0, 0, 0, 7, 0 })!;
        Assert.That((kafka40.Value!.Epoch, kafka40.Value.MetadataHash), Is.EqualTo((7, 0L)));
        // Key version 15: which partitions have share-group state; a tombstone has no value.
        var tombstone = CoordinatorRecordSerde.ShareGroupRecord(new CoordinatorRecord.ShareGroupStatePartitionMetadata("g", null));
        Assert.That(tombstone.Key, Is.EqualTo(new byte[] { 0, 15, 0, 1, (byte)'g' }));
        Assert.That(tombstone.Value, Is.Null);
        Assert.That(CoordinatorRecordSerde.Parse(tombstone.Key, null), Is.EqualTo(new CoordinatorRecord.ShareGroupStatePartitionMetadata("g", null)));
    }

    [Test]
    public void TheSharePartitionStateMetadataIsWrittenInKafka41sFormAndReadInEither()
    {
        byte[] id = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        var topicId = Uuid.FromBytes(id);
        var (key, value) = CoordinatorRecordSerde.ShareGroupRecord(new CoordinatorRecord.ShareGroupStatePartitionMetadata("g", new ShareGroupStatePartitionMetadataValue
        {
            InitializingTopics = [new() { TopicId = topicId, TopicName = "t", Partitions = [3], CreateTimestamp = 9 }],
        }));
        // Version 0 as Kafka 4.1 has it: InitializingTopics, InitializedTopics, DeletingTopics (compact arrays), each topic
        // id, name, partitions and CreateTimestamp, then the tagged fields of the entry and of the value.
        byte[] topic41 = [.. id, 2, (byte)'t', 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 9, 0];
        Assert.That(value, Is.EqualTo((byte[])[0, 0, 2, .. topic41, 1, 1, 0]));
        var parsed = (CoordinatorRecord.ShareGroupStatePartitionMetadata)CoordinatorRecordSerde.Parse(key, value)!;
        Assert.That(parsed.Value!.InitializingTopics.Single().CreateTimestamp, Is.EqualTo(9));

        // Kafka 4.0's version 0: InitializedTopics and DeletingTopics, topics without CreateTimestamp.
        byte[] topic40 = [.. id, 2, (byte)'t', 2, 0, 0, 0, 3, 0];
        var kafka40 = (CoordinatorRecord.ShareGroupStatePartitionMetadata)CoordinatorRecordSerde.Parse(key, (byte[])[0, 0, 2, .. topic40, 1, 0])!;
        Assert.That(kafka40.Value!.InitializingTopics, Is.Empty);
        Assert.That(kafka40.Value.InitializedTopics.Select(t => (t.TopicId, t.TopicName, t.Partitions.Single())), Is.EqualTo(new[] { (topicId, "t", 3) }));
        var empty40 = (CoordinatorRecord.ShareGroupStatePartitionMetadata)CoordinatorRecordSerde.Parse(key, (byte[])[0, 0, 1, 1, 0])!;
        Assert.That((empty40.Value!.InitializedTopics.Count, empty40.Value.DeletingTopics.Count), Is.EqualTo((0, 0)));
    }

    [Test]
    public void ConsumerGroupRecordsUseKafkasKeyVersionsAndReadBack()
    {
        // Key version 3 is ConsumerGroupMetadataKey (KIP-848), a string group id; value version 0, a flexible struct.
        var (key, value) = CoordinatorRecordSerde.ConsumerGroupRecord(
            new CoordinatorRecord.ConsumerGroupMetadata("g", new KafkaCompat.Protocol.Coordinator.ConsumerGroupMetadataValue { Epoch = 7 }));
        Assert.That(key, Is.EqualTo(new byte[] { 0, 3, 0, 1, (byte)'g' }));
        Assert.That(value, Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 7, 0 }));
        var parsed = (CoordinatorRecord.ConsumerGroupMetadata)CoordinatorRecordSerde.Parse(key, value)!;
        Assert.That(parsed.GroupId, Is.EqualTo("g"));
        Assert.That(parsed.Value!.Epoch, Is.EqualTo(7));
        var tombstone = CoordinatorRecordSerde.ConsumerGroupRecord(new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment("g", "m", null));
        Assert.That(tombstone.Key[..2], Is.EqualTo(new byte[] { 0, 8 }));
        Assert.That(tombstone.Value, Is.Null);
    }

    [Test]
    public void TheGroupEpochCarriesTheMetadataHashAsTaggedFieldZero()
    {
        // KIP-1101 (Kafka 4.1): MetadataHash is tag 0 of ConsumerGroupMetadataValue v0, an int64 of 8 bytes; a hash of 0 (the default) is not written.
        var (_, value) = CoordinatorRecordSerde.ConsumerGroupRecord(
            new CoordinatorRecord.ConsumerGroupMetadata("g", new KafkaCompat.Protocol.Coordinator.ConsumerGroupMetadataValue { Epoch = 7, MetadataHash = 0x0102030405060708 }));
        Assert.That(value, Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 7, 1, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 }));
        var parsed = (CoordinatorRecord.ConsumerGroupMetadata)CoordinatorRecordSerde.Parse(new byte[] { 0, 3, 0, 1, (byte)'g' }, value)!;
        Assert.That(parsed.Value!.MetadataHash, Is.EqualTo(0x0102030405060708));
    }

    [Test]
    public void ARegularExpressionsResolutionIsKeyVersion16AndReadsBack()
    {
        // Key version 16: string group id, string regular expression. Value v0 (flexible): compact array of compact strings, int64 version, int64 timestamp, no tags.
        var (key, value) = CoordinatorRecordSerde.ConsumerGroupRecord(new CoordinatorRecord.ConsumerGroupRegularExpression("g", "a.*",
            new ConsumerGroupRegularExpressionValue { Topics = ["ab"], Version = 5, Timestamp = 9 }));
        Assert.That(key, Is.EqualTo(new byte[] { 0, 16, 0, 1, (byte)'g', 0, 3, (byte)'a', (byte)'.', (byte)'*' }));
        Assert.That(value, Is.EqualTo(new byte[] { 0, 0, 2, 3, (byte)'a', (byte)'b', 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 9, 0 }));
        var parsed = (CoordinatorRecord.ConsumerGroupRegularExpression)CoordinatorRecordSerde.Parse(key, value)!;
        Assert.That((parsed.GroupId, parsed.RegularExpression, parsed.Value!.Topics.Single(), parsed.Value.Version, parsed.Value.Timestamp), Is.EqualTo(("g", "a.*", "ab", 5L, 9L)));
        Assert.That(CoordinatorRecordSerde.Parse(key, null), Is.EqualTo(new CoordinatorRecord.ConsumerGroupRegularExpression("g", "a.*", null)));
    }

    [Test]
    public void GroupsArePartitionedWithJavasStringHashCode()
    {
        Assert.Multiple(() =>
        {
            Assert.That(OffsetsTopic.JavaHashCode("hello"), Is.EqualTo(99162322));
            Assert.That(OffsetsTopic.JavaHashCode(""), Is.Zero);
            Assert.That(OffsetsTopic.PartitionFor("hello", 50), Is.EqualTo(22));
            // "polygenelubricants".hashCode() is Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0.
            Assert.That(OffsetsTopic.JavaHashCode("polygenelubricants"), Is.EqualTo(int.MinValue));
            Assert.That(OffsetsTopic.PartitionFor("polygenelubricants", 50), Is.Zero);
            Assert.That(OffsetsTopic.JavaHashCode("Aa"), Is.EqualTo(OffsetsTopic.JavaHashCode("BB")), "Java's famous collision");
        });
    }

    [Test]
    public void SubscriptionsAreReadLeniently()
    {
        Assert.That(ConsumerSubscription.Topics(GroupHarness.Subscription("a", "b")), Is.EqualTo(new[] { "a", "b" }));
        // Version 1 that stops after the topics and user data, as @platformatic/kafka 1.35.0 writes it.
        byte[] truncatedV1 = [0, 1, 0, 0, 0, 1, 0, 1, (byte)'x', 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.That(ConsumerSubscription.Topics(truncatedV1), Is.EqualTo(new[] { "x" }));
        Assert.That(ConsumerSubscription.Topics(new byte[] { 0, 0, 0, 0, 0, 5 }), Is.Null);
    }
}
