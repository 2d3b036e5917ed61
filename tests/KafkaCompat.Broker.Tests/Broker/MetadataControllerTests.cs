using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Broker;

public class MetadataControllerTests
{
    private static readonly Dictionary<string, string> NoConfigs = [];

    [Test]
    public async Task ATopicIsRecordedAndReplayedIntoTheSameImage()
    {
        var files = new MemoryFileSystem();
        TopicImage topic;
        using (var node = MetadataNode.Open(files))
        {
            Assert.That((await node.Controller.CreateTopic("orders", 3, new Dictionary<string, string> { ["retention.ms"] = "1000" })).IsOk);
            topic = node.Controller.Image.Topic("orders")!;
            Assert.That(topic.Partitions.Select(p => p.Partition), Is.EqualTo(new[] { 0, 1, 2 }));
            Assert.That(topic.Partitions.All(p => p.Leader == 1 && p.Isr.SequenceEqual([1])));
            Assert.That(topic.Configs["retention.ms"], Is.EqualTo("1000"));
            Assert.That(node.Journal.LogEndOffset, Is.EqualTo(node.RegisteredEndOffset + 5), "TopicRecord + 3 PartitionRecords + 1 ConfigRecord after the broker's registration");
        }

        using var restarted = MetadataNode.Open(files);
        var replayed = restarted.Controller.Image.Topic("orders")!;
        Assert.That(replayed.Id, Is.EqualTo(topic.Id), "topic ids are stable across restarts");
        Assert.That(replayed.Partitions, Has.Length.EqualTo(3));
        Assert.That(replayed.Configs, Is.EquivalentTo(topic.Configs));
    }

    [Test]
    public async Task TheControllerAppliesCreateTopicsRules()
    {
        using var node = MetadataNode.Open();
        var controller = node.Controller;
        var defaults = new TopicDefaults(NumPartitions: 4, ReplicationFactor: 1);
        NewTopic Topic(string name, int partitions = -1, short replicationFactor = -1, (int, IReadOnlyList<int>)[]? assignments = null, Dictionary<string, string?>? configs = null) =>
            new(name, partitions, replicationFactor, assignments ?? [], configs ?? []);

        var refused = new[]
        {
            await controller.CreateTopic(Topic("rf2", replicationFactor: 2), defaults),
            await controller.CreateTopic(Topic("elsewhere", assignments: [(0, [2])]), defaults),
            await controller.CreateTopic(Topic("gap", assignments: [(0, [1]), (2, [1])]), defaults),
            await controller.CreateTopic(Topic("both", partitions: 2, assignments: [(0, [1])]), defaults),
            await controller.CreateTopic(Topic("badconfig", configs: new() { ["retention.ms"] = "soon" }), defaults),
        };
        var validated = await controller.CreateTopic(Topic("checked"), defaults, validateOnly: true);
        Assert.Multiple(() =>
        {
            Assert.That(refused.Select(r => r.Result.Error), Is.EqualTo(new[]
            {
                ErrorCode.InvalidReplicationFactor, ErrorCode.InvalidReplicaAssignment, ErrorCode.InvalidReplicaAssignment, ErrorCode.InvalidRequest, ErrorCode.InvalidConfig,
            }), "one broker; a broker that is not this one; partitions 0-based and consecutive; both ways at once; a bad config value");
            Assert.That((validated.Result.IsOk, validated.NumPartitions, validated.ReplicationFactor, validated.TopicId), Is.EqualTo((true, 4, (short)1, Uuid.Zero)));
        });
        Assert.That(node.Journal.LogEndOffset, Is.EqualTo(node.RegisteredEndOffset), "nothing refused or only validated was recorded");

        var created = await controller.CreateTopic(Topic("defaults"), defaults);
        Assert.That(created.Result.IsOk, Is.True);
        Assert.That((await controller.CreateTopic(Topic("assigned", assignments: [(1, [1]), (0, [1])]), defaults)).Result.IsOk, Is.True);
        Assert.That(controller.Image.Topic("defaults")!.Partitions, Has.Length.EqualTo(4), "num.partitions for -1");
        Assert.That(created.TopicId, Is.EqualTo(controller.Image.Topic("defaults")!.Id), "the answer names the topic created");
        Assert.That(controller.Image.Topic("assigned")!.Partitions, Has.Length.EqualTo(2), "one partition per assignment");
    }

    [Test]
    public async Task KafkaErrorsForBadTopics()
    {
        using var node = MetadataNode.Open();
        var controller = node.Controller;
        await controller.CreateTopic("a.b", 1, NoConfigs);
        var errors = new[]
        {
            (await controller.CreateTopic("a.b", 1, NoConfigs)).Error,
            (await controller.CreateTopic("a_b", 1, NoConfigs)).Error,
            (await controller.CreateTopic("bad name", 1, NoConfigs)).Error,
            (await controller.CreateTopic(new string('x', 250), 1, NoConfigs)).Error,
            (await controller.CreateTopic("zero", 0, NoConfigs)).Error,
            (await controller.CreatePartitions("a.b", 1)).Error,
            (await controller.CreatePartitions("nope", 4)).Error,
            (await controller.CreatePartitions("a.b", 2, assignments: [[2]])).Error,
            (await controller.DeleteTopic(null, Uuid.NewRandom())).Result.Error,
            (await controller.DeleteTopic("nope", Uuid.Zero)).Result.Error,
            (await controller.DeleteTopic("a.b", Uuid.NewRandom())).Result.Error,
        };
        Assert.That(errors, Is.EqualTo(new[]
        {
            ErrorCode.TopicAlreadyExists,
            ErrorCode.InvalidTopicException, // collides with a.b
            ErrorCode.InvalidTopicException,
            ErrorCode.InvalidTopicException,
            ErrorCode.InvalidPartitions,
            ErrorCode.InvalidPartitions, // cannot stay at 1
            ErrorCode.UnknownTopicOrPartition,
            ErrorCode.InvalidReplicaAssignment, // another broker
            ErrorCode.UnknownTopicId,
            ErrorCode.UnknownTopicOrPartition,
            ErrorCode.InvalidRequest, // name and id disagree
        }));
    }

    [Test]
    public async Task ValidateOnlyChangesNothing()
    {
        using var node = MetadataNode.Open();
        Assert.That((await node.Controller.CreateTopic("t", 2, NoConfigs, validateOnly: true)).IsOk);
        Assert.That((await node.Controller.CreatePartitions("t", 4, validateOnly: true)).Error, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
        Assert.That(node.Controller.Image.Topic("t"), Is.Null);
        Assert.That(node.Journal.LogEndOffset, Is.EqualTo(node.RegisteredEndOffset));
    }

    [Test]
    public async Task DeleteAndGrowAreReplayedToo()
    {
        var files = new MemoryFileSystem();
        using (var node = MetadataNode.Open(files))
        {
            var controller = node.Controller;
            await controller.CreateTopic("keep", 1, NoConfigs);
            await controller.CreateTopic("drop", 1, NoConfigs);
            await controller.CreatePartitions("keep", 4);
            await controller.DeleteTopic("drop", Uuid.Zero);
            await controller.AlterConfigs(MetadataImage.BrokerResource, "1", [KeyValuePair.Create("log.retention.ms", (string?)"5")]);
        }

        using var restarted = MetadataNode.Open(files);
        var replayed = restarted.Controller.Image;
        Assert.That(replayed.Topics.Keys, Is.EqualTo(new[] { "keep" }));
        Assert.That(replayed.Topic("keep")!.Partitions, Has.Length.EqualTo(4));
        Assert.That(replayed.BrokerConfigsOf(1)["log.retention.ms"], Is.EqualTo("5"));
    }

    [Test]
    public async Task ProducerIdBlocksNeverOverlapAcrossRestarts()
    {
        var files = new MemoryFileSystem();
        (long First, long Count) first;
        using (var node = MetadataNode.Open(files))
        {
            first = await node.Controller.AllocateProducerIds(1000);
        }
        using var restarted = MetadataNode.Open(files);
        var second = await restarted.Controller.AllocateProducerIds(1000);
        Assert.That(second.First, Is.GreaterThanOrEqualTo(first.First + first.Count));
    }
}
