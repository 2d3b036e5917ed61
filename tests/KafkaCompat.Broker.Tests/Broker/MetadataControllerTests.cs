using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Broker;

public class MetadataControllerTests
{
    [Test]
    public void ATopicIsRecordedAndReplayedIntoTheSameImage()
    {
        var journal = new MemoryJournal();
        var controller = new MetadataController(journal, nodeId: 1);
        Assert.That(controller.CreateTopic("orders", 3, new Dictionary<string, string> { ["retention.ms"] = "1000" }).IsOk);

        var topic = controller.Image.Topic("orders")!;
        Assert.That(topic.Partitions.Select(p => p.Partition), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(topic.Partitions.All(p => p.Leader == 1 && p.Isr.SequenceEqual([1])));
        Assert.That(topic.Configs["retention.ms"], Is.EqualTo("1000"));
        // TopicRecord + 3 PartitionRecords + 1 ConfigRecord.
        Assert.That(journal.Count, Is.EqualTo(5));

        var restarted = new MetadataController(journal, nodeId: 1);
        var replayed = restarted.Image.Topic("orders")!;
        Assert.That(replayed.Id, Is.EqualTo(topic.Id), "topic ids are stable across restarts");
        Assert.That(replayed.Partitions, Has.Length.EqualTo(3));
        Assert.That(replayed.Configs, Is.EquivalentTo(topic.Configs));
    }

    [Test]
    public void TheControllerAppliesCreateTopicsRules()
    {
        var journal = new MemoryJournal();
        var controller = new MetadataController(journal, nodeId: 1);
        var defaults = new TopicDefaults(NumPartitions: 4, ReplicationFactor: 1);
        NewTopic Topic(string name, int partitions = -1, short replicationFactor = -1, (int, IReadOnlyList<int>)[]? assignments = null, Dictionary<string, string?>? configs = null) =>
            new(name, partitions, replicationFactor, assignments ?? [], configs ?? []);

        Assert.Multiple(() =>
        {
            Assert.That(controller.CreateTopic(Topic("rf2", replicationFactor: 2), defaults).Error, Is.EqualTo(ErrorCode.InvalidReplicationFactor), "one broker");
            Assert.That(controller.CreateTopic(Topic("elsewhere", assignments: [(0, [2])]), defaults).Error, Is.EqualTo(ErrorCode.InvalidReplicaAssignment), "a broker that is not this one");
            Assert.That(controller.CreateTopic(Topic("gap", assignments: [(0, [1]), (2, [1])]), defaults).Error, Is.EqualTo(ErrorCode.InvalidReplicaAssignment), "partitions 0-based and consecutive");
            Assert.That(controller.CreateTopic(Topic("both", partitions: 2, assignments: [(0, [1])]), defaults).Error, Is.EqualTo(ErrorCode.InvalidRequest));
            Assert.That(controller.CreateTopic(Topic("badconfig", configs: new() { ["retention.ms"] = "soon" }), defaults).Error, Is.EqualTo(ErrorCode.InvalidConfig));
            Assert.That(controller.CreateTopic(Topic("checked"), defaults, validateOnly: true).IsOk, Is.True);
        });
        Assert.That(journal.Count, Is.Zero, "nothing refused or only validated was recorded");

        Assert.That(controller.CreateTopic(Topic("defaults"), defaults).IsOk, Is.True);
        Assert.That(controller.CreateTopic(Topic("assigned", assignments: [(1, [1]), (0, [1])]), defaults).IsOk, Is.True);
        Assert.That(controller.Image.Topic("defaults")!.Partitions, Has.Length.EqualTo(4), "num.partitions for -1");
        Assert.That(controller.Image.Topic("assigned")!.Partitions, Has.Length.EqualTo(2), "one partition per assignment");
    }

    [Test]
    public void KafkaErrorsForBadTopics()
    {
        var controller = new MetadataController(new MemoryJournal(), 1);
        controller.CreateTopic("a.b", 1, new Dictionary<string, string>());
        Assert.Multiple(() =>
        {
            Assert.That(controller.CreateTopic("a.b", 1, new Dictionary<string, string>()).Error, Is.EqualTo(ErrorCode.TopicAlreadyExists));
            Assert.That(controller.CreateTopic("a_b", 1, new Dictionary<string, string>()).Error, Is.EqualTo(ErrorCode.InvalidTopicException), "collides with a.b");
            Assert.That(controller.CreateTopic("bad name", 1, new Dictionary<string, string>()).Error, Is.EqualTo(ErrorCode.InvalidTopicException));
            Assert.That(controller.CreateTopic(new string('x', 250), 1, new Dictionary<string, string>()).Error, Is.EqualTo(ErrorCode.InvalidTopicException));
            Assert.That(controller.CreateTopic("zero", 0, new Dictionary<string, string>()).Error, Is.EqualTo(ErrorCode.InvalidPartitions));
            Assert.That(controller.CreatePartitions("a.b", 1).Error, Is.EqualTo(ErrorCode.InvalidPartitions), "cannot stay at 1");
            Assert.That(controller.CreatePartitions("nope", 4).Error, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
            Assert.That(controller.DeleteTopic(Uuid.NewRandom()).Error, Is.EqualTo(ErrorCode.UnknownTopicId));
        });
    }

    [Test]
    public void ValidateOnlyChangesNothing()
    {
        var journal = new MemoryJournal();
        var controller = new MetadataController(journal, 1);
        Assert.That(controller.CreateTopic("t", 2, new Dictionary<string, string>(), validateOnly: true).IsOk);
        Assert.That(controller.Image.Topic("t"), Is.Null);
        Assert.That(journal.Count, Is.Zero);
    }

    [Test]
    public void DeleteAndGrowAreReplayedToo()
    {
        var journal = new MemoryJournal();
        var controller = new MetadataController(journal, 1);
        controller.CreateTopic("keep", 1, new Dictionary<string, string>());
        controller.CreateTopic("drop", 1, new Dictionary<string, string>());
        controller.CreatePartitions("keep", 4);
        controller.DeleteTopic(controller.Image.Topic("drop")!.Id);
        controller.AlterConfigs(MetadataImage.BrokerResource, "1", [KeyValuePair.Create("log.retention.ms", (string?)"5")]);

        var replayed = new MetadataController(journal, 1).Image;
        Assert.That(replayed.Topics.Keys, Is.EqualTo(new[] { "keep" }));
        Assert.That(replayed.Topic("keep")!.Partitions, Has.Length.EqualTo(4));
        Assert.That(replayed.BrokerConfigsOf(1)["log.retention.ms"], Is.EqualTo("5"));
    }

    [Test]
    public void ProducerIdBlocksNeverOverlapAcrossRestarts()
    {
        var journal = new MemoryJournal();
        var first = new MetadataController(journal, 1).AllocateProducerIds(1000);
        var second = new MetadataController(journal, 1).AllocateProducerIds(1000);
        Assert.That(second.First, Is.GreaterThanOrEqualTo(first.First + first.Count));
    }
}
