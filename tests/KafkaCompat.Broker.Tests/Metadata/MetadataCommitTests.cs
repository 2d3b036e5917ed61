using KafkaCompat.Broker.Config;
using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Broker;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Metadata;

/// <summary>
/// A change is answered only once its records are committed (fsync'd in the metadata log), and a
/// change whose write fails leaves no trace: not in the controller's state, not in the broker's
/// image, not in the log a restart reads.
/// </summary>
public class MetadataCommitTests
{
    private static readonly Dictionary<string, string> NoConfigs = [];
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Test]
    public async Task CreateTopicsAnswersOnlyOnceTheRecordsAreFsynced()
    {
        var files = new GatedFileSystem(new MemoryFileSystem());
        using var node = MetadataNode.Open(files, new FakeTime());
        var broker = new BrokerState(BrokerConfig.Default, "cluster");
        var handler = new CreateTopicsHandler(node.Controller, broker, NullLogger<CreateTopicsHandler>.Instance);
        var request = new CreateTopicsRequestData { TimeoutMs = 30_000 };
        request.Topics.Add(new CreateTopicsRequestData.CreatableTopic { Name = "held", NumPartitions = 2, ReplicationFactor = 1 });

        files.HoldFlushes();
        Task<CreateTopicsResponseData> answer;
        try
        {
            answer = HandlerCalls.HandleAsync<CreateTopicsResponseData>(handler, request, 7);
            Assert.That(files.FlushWaiting.Wait(Bound), Is.True, "the records reach the fsync");
            Assert.Multiple(() =>
            {
                Assert.That(answer.IsCompleted, Is.False, "no answer while the fsync is held");
                Assert.That(node.Controller.Image.Topic("held"), Is.Null, "not in the controller's committed state");
                Assert.That(node.Loader.Image.Topic("held"), Is.Null, "not published to the broker");
            });
        }
        finally
        {
            files.ReleaseFlushes();
        }
        var response = await answer;
        Assert.That(response.Topics.Single().ErrorCode, Is.EqualTo((short)ErrorCode.None));
        Assert.That(response.Topics.Single().TopicId, Is.EqualTo(node.Loader.Image.Topic("held")!.Id), "published before the answer");
    }

    [Test]
    public async Task AChangeIsAnsweredOnlyOnceItsRecordsAreFsynced()
    {
        var files = new GatedFileSystem(new MemoryFileSystem());
        using var node = MetadataNode.Open(files, new FakeTime());
        files.HoldFlushes();
        Task<MetadataResult> held, next;
        try
        {
            held = node.Controller.CreateTopic("held", 1, NoConfigs);
            next = node.Controller.AlterConfigs(MetadataImage.BrokerResource, "", [KeyValuePair.Create("log.retention.ms", (string?)"1000")]);
            // The controller appends the next change only once it has finished with the first.
            Assert.That(SpinWait.SpinUntil(() => node.Counted.Appends == node.RegistrationAppends + 2, Bound), Is.True);
            Assert.That(files.FlushWaiting.Wait(Bound), Is.True);
            Assert.Multiple(() =>
            {
                Assert.That(held.IsCompleted, Is.False, "nothing is answered before its fsync");
                Assert.That(node.Controller.Image.Topic("held"), Is.Null);
                Assert.That(node.Loader.Image.Topic("held"), Is.Null);
            });
        }
        finally
        {
            files.ReleaseFlushes();
        }
        Assert.That(new[] { await held, await next }, Is.EqualTo(new[] { MetadataResult.Ok, MetadataResult.Ok }));
        Assert.That(node.Loader.Image.ClusterDefaultConfigs["log.retention.ms"], Is.EqualTo("1000"));
    }

    [Test]
    public async Task AFailedWriteFailsTheChangeAndLeavesNoTrace()
    {
        var files = new GatedFileSystem(new MemoryFileSystem());
        var time = new FakeTime();
        using (var node = MetadataNode.Open(files, time))
        {
            Assert.That((await node.Controller.CreateTopic("before", 1, NoConfigs)).IsOk);

            files.FailAppends();
            var failed = await node.Controller.CreateTopic("lost", 1, NoConfigs);
            Assert.That(failed.Error, Is.EqualTo(ErrorCode.KafkaStorageError));
            Assert.Multiple(() =>
            {
                Assert.That(node.Controller.Image.Topics.Keys, Is.EqualTo(new[] { "before" }));
                Assert.That(node.Loader.Image.Topics.Keys, Is.EqualTo(new[] { "before" }));
                Assert.That(node.Controller.CreateTopic("lost", 1, NoConfigs, validateOnly: true).Result.IsOk, Is.True, "the controller's own state forgot it too");
            });
            // A failed metadata log dir stays failed, as Kafka's does: later changes fail the same way.
            Assert.That((await node.Controller.CreateTopic("later", 1, NoConfigs)).Error, Is.EqualTo(ErrorCode.KafkaStorageError));
            Assert.That(node.Controller.Image.Topics.Keys, Is.EqualTo(new[] { "before" }));
            files.FailingAppends = false;
        }

        using var restarted = MetadataNode.Open(files, time);
        Assert.That(restarted.Controller.Image.Topics.Keys, Is.EqualTo(new[] { "before" }));
    }

    [Test]
    public async Task ChangesQueuedBehindAFailedWriteFailAndTheControllerRevertsToTheCommittedState()
    {
        var files = new GatedFileSystem(new MemoryFileSystem());
        using var node = MetadataNode.Open(files, new FakeTime());
        files.HoldFlushes();
        Task<MetadataResult> first, exists, second, grow, afterSecond;
        try
        {
            first = node.Controller.CreateTopic("first", 1, NoConfigs);
            Assert.That(files.FlushWaiting.Wait(Bound), Is.True);
            // Queued while the first is being fsync'd: built on a state that holds "first".
            exists = node.Controller.CreateTopic("first", 1, NoConfigs, validateOnly: true);
            second = node.Controller.CreateTopic("second", 1, NoConfigs);
            grow = node.Controller.CreatePartitions("first", 3);
            afterSecond = node.Controller.CreateTopic("second", 1, NoConfigs, validateOnly: true);
            // Both changes are queued in the journal before the fsync of the first returns.
            Assert.That(SpinWait.SpinUntil(() => node.Counted.Appends == node.RegistrationAppends + 3, Bound), Is.True);
            files.FailAppends();
        }
        finally
        {
            files.ReleaseFlushes();
        }

        Assert.That((await first).IsOk, Is.True, "its fsync succeeded");
        Assert.That((await exists).Error, Is.EqualTo(ErrorCode.TopicAlreadyExists), "answered from the latest state once that state was committed");
        Assert.That(new[] { (await second).Error, (await grow).Error, (await afterSecond).Error },
            Is.EqualTo(new[] { ErrorCode.KafkaStorageError, ErrorCode.KafkaStorageError, ErrorCode.KafkaStorageError }),
            "the validation that read them fails with them");
        Assert.That(node.Controller.Image.Topic("first")!.Partitions, Has.Length.EqualTo(1));
        Assert.That(node.Loader.Image.Topics.Keys, Is.EqualTo(new[] { "first" }));
        Assert.That((await node.Controller.CreateTopic("second", 1, NoConfigs, validateOnly: true)).IsOk, Is.True, "reverted: second was never created");
    }

    [Test]
    public async Task AWriteTheLogRefusesFailsThatChangeAloneAndTheControllerGoesOn()
    {
        var files = new MemoryFileSystem();
        var time = new FakeTime();
        // A segment smaller than a topic of many partitions: the log refuses that one batch.
        var config = new MetadataLogConfig { SegmentBytes = 512 };
        using (var node = MetadataNode.Open(files, time, config))
        {
            Assert.That((await node.Controller.CreateTopic("small", 1, NoConfigs)).IsOk);
            var refused = await node.Controller.CreateTopic("wide", 50, NoConfigs);
            Assert.That(refused.Error, Is.EqualTo(ErrorCode.RecordListTooLarge));
            Assert.That(node.Controller.Image.Topic("wide"), Is.Null);
            Assert.That((await node.Controller.CreateTopic("after", 1, NoConfigs)).IsOk, Is.True, "a refused batch does not take the log offline");
            Assert.That(node.Loader.Image.Topics.Keys, Is.EqualTo(new[] { "after", "small" }));
        }

        using var restarted = MetadataNode.Open(files, time, config);
        Assert.That(restarted.Controller.Image.Topics.Keys, Is.EqualTo(new[] { "after", "small" }));
    }

    [Test]
    public async Task AChangeLargerThanAMetadataBatchIsRefusedAsAPolicyViolation()
    {
        using var node = MetadataNode.Open(time: new FakeTime());
        // 300,000 PartitionRecords are more than KRaft's 8 MiB batch.
        var refused = await node.Controller.CreateTopic("huge", 300_000, NoConfigs);
        Assert.That(refused.Error, Is.EqualTo(ErrorCode.PolicyViolation));
        Assert.That(node.Controller.Image.Topic("huge"), Is.Null);
        Assert.That(node.Journal.LogEndOffset, Is.EqualTo(node.RegisteredEndOffset));
        Assert.That((await node.Controller.CreateTopic("fine", 1, NoConfigs)).IsOk, Is.True);
    }
}
