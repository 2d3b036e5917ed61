using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Share.Partitions;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Records;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>Share-partitions over a real partition log, loaded from and written to the in-memory share coordinator.</summary>
public sealed class SharePartitionManagerTests
{
    private const string Group = "queue";

    private FakeTime _time = null!;
    private ReplicaHarness _replicas = null!;
    private InMemoryShareStatePersister _persister = null!;
    private ShareGroupSettings _settings = null!;
    private Uuid _topicId;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTime();
        _replicas = new ReplicaHarness(_time);
        _persister = new InMemoryShareStatePersister();
        _settings = new ShareGroupSettings(30_000, 5, 2000, ShareAutoOffsetReset.Earliest, ReadCommitted: false);
        _topicId = _replicas.Metadata.Image.Topic(ReplicaHarness.Topic)!.Id;
    }

    [TearDown]
    public void TearDown() => _replicas.Dispose();

    private SharePartitionManager NewManager() => new(_persister, _ => _settings, 2000, _time, NullLogger.Instance);

    private void Produce(params string[] values) => _replicas.Partition().AppendAsLeader(ReplicaHarness.Batch(_time.NowMs, values));

    private async Task<SharePartition> LoadAsync(SharePartitionManager manager)
    {
        var (share, error, _) = await manager.GetOrLoadAsync(Group, _topicId, _replicas.Partition());
        Assert.That(error, Is.EqualTo(ErrorCode.None));
        return share!;
    }

    private static AcknowledgementBatch Ack(long first, long last, AcknowledgeType type) => new(first, last, [(sbyte)type]);

    [Test]
    public async Task APartitionWithNoStateStartsWhereShareAutoOffsetResetSaysAndStoresThatStart()
    {
        Produce("a", "b");
        Produce("c");
        using var manager = NewManager();
        _settings = _settings with { AutoOffsetReset = ShareAutoOffsetReset.Latest };

        var share = await LoadAsync(manager);

        Assert.That(share.StartOffset, Is.EqualTo(3), "latest: the high watermark");
        Assert.That(_persister.StateOf(Group, _topicId, 0)?.StartOffset, Is.EqualTo(3));
        Assert.That(manager.Acquire(share, "m1", 100, 1 << 20, true).Ranges, Is.Empty);
    }

    [Test]
    public async Task APartitionTheGroupCoordinatorInitialisedWithoutAnOffsetStartsAtTheResetOffsetAndStoresIt()
    {
        await _persister.InitializeStateAsync(new() { GroupId = Group, Topics = [new() { TopicId = _topicId, Partitions = [new() { Partition = 0, StateEpoch = 1, StartOffset = -1 }] }] });
        Produce("a", "b");
        _settings = _settings with { AutoOffsetReset = ShareAutoOffsetReset.Latest };
        using var manager = NewManager();

        var share = await LoadAsync(manager);

        Assert.That((share.StartOffset, share.StateEpoch), Is.EqualTo((2L, 1)));
        Assert.That(_persister.StateOf(Group, _topicId, 0)?.StartOffset, Is.EqualTo(2), "a later leader starts here, not at a later high watermark");
    }

    [Test]
    public async Task ByDurationStartsAtTheFirstRecordNoOlderThanTheDuration()
    {
        _replicas.Partition().AppendAsLeader(ReplicaHarness.Batch(_time.NowMs - 7_200_000, "two hours old"));
        _replicas.Partition().AppendAsLeader(ReplicaHarness.Batch(_time.NowMs - 1_800_000, "half an hour old"));
        _settings = _settings with { AutoOffsetReset = ShareAutoOffsetReset.Parse("by_duration:PT1H")! };
        using var manager = NewManager();

        Assert.That((await LoadAsync(manager)).StartOffset, Is.EqualTo(1));
    }

    [Test]
    public async Task EarliestAcquiresFromTheLogStartAndAnswersTheBatchesUncopied()
    {
        Produce("a", "b");
        Produce("c");
        using var manager = NewManager();
        var share = await LoadAsync(manager);

        var acquisition = manager.Acquire(share, "m1", maxRecords: 100, maxBytes: 1 << 20, minOneBatch: true);
        using var read = acquisition.Read;

        Assert.That(acquisition.Ranges, Is.EqualTo(new[] { new AcquiredRange(0, 2, 1) }));
        var batches = new List<long>();
        foreach (var batch in new RecordBatchSet(acquisition.Records))
        {
            batches.Add(batch.BaseOffset);
        }
        Assert.That(batches, Is.EqualTo(new long[] { 0, 2 }));
        Assert.That(acquisition.Records.Length, Is.EqualTo(read!.Records.Length), "a slice of the log read itself");
    }

    [Test]
    public async Task OnlyTheBatchesHoldingAcquiredRecordsAreAnswered()
    {
        Produce("a", "b");
        Produce("c");
        Produce("d");
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", maxRecords: 1, 1 << 20, true).Read?.Dispose();

        var second = manager.Acquire(share, "m2", maxRecords: 1, 1 << 20, true);
        using var read = second.Read;

        Assert.That(second.Ranges, Is.EqualTo(new[] { new AcquiredRange(2, 2, 1) }));
        var batches = new List<long>();
        foreach (var batch in new RecordBatchSet(second.Records))
        {
            batches.Add(batch.BaseOffset);
        }
        Assert.That(batches, Is.EqualTo(new long[] { 2 }), "the first batch is m1's, the last beyond MaxRecords");
    }

    [Test]
    public async Task AFetchReadsAboutWhatItMayAcquireNotAllThatMaxBytesAllows()
    {
        var value = new string('v', 100);
        for (var i = 0; i < 200; i++)
        {
            Produce([.. Enumerable.Repeat(value, 10)]);
        }
        var batchBytes = ReplicaHarness.Batch(_time.NowMs, [.. Enumerable.Repeat(value, 10)]).Length;
        using var manager = NewManager();
        var share = await LoadAsync(manager);

        // librdkafka's ShareFetch: MaxRecords 500, MaxBytes 50 MiB; here 20 records of a 2,000-record log.
        var acquisition = manager.Acquire(share, "m1", maxRecords: 20, maxBytes: 50 << 20, minOneBatch: true);
        using var read = acquisition.Read;

        Assert.That(acquisition.Ranges, Is.EqualTo(new[] { new AcquiredRange(0, 19, 1) }));
        Assert.That(read!.Records.Length, Is.LessThanOrEqualTo(5 * batchBytes),
            "the log read copies what it reads: two batches' worth of records to acquire, not the 200 batches MaxBytes covers");
    }

    [Test]
    public async Task ABatchLargerThanTheAverageIsStillAcquiredWholeWhenOtherPartitionsFilledPartOfTheAnswer()
    {
        for (var i = 0; i < 100; i++)
        {
            Produce("s");
        }
        var big = new string('b', 1000);
        Produce([.. Enumerable.Repeat(big, 50)]);
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", maxRecords: 100, 1 << 20, true).Read?.Dispose();

        // Not the first partition of the answer (no minimum of one batch): the 50 KB batch fits MaxBytes, so it goes whole.
        var acquisition = manager.Acquire(share, "m2", maxRecords: 5, maxBytes: 1 << 20, minOneBatch: false);
        using var read = acquisition.Read;

        Assert.That(acquisition.Ranges, Is.EqualTo(new[] { new AcquiredRange(100, 149, 1) }));
    }

    [Test]
    public async Task AcknowledgementsArePersistedAndANewLeaderResumesFromThem()
    {
        Produce("a", "b", "c", "d", "e");
        using (var manager = NewManager())
        {
            var share = await LoadAsync(manager);
            manager.Acquire(share, "m1", 100, 1 << 20, true).Read?.Dispose();
            var result = await manager.AcknowledgeAsync(Group, "m1", _topicId, 0,
                [Ack(0, 1, AcknowledgeType.Accept), Ack(2, 2, AcknowledgeType.Release), Ack(3, 3, AcknowledgeType.Reject)]);
            Assert.That(result.Error, Is.EqualTo(ErrorCode.None));
        }

        // Offset 4 was still acquired by m1: its lock ends with the old leader.
        using var next = NewManager();
        var resumed = await LoadAsync(next);
        Assert.That(resumed.StartOffset, Is.EqualTo(2));
        var acquisition = next.Acquire(resumed, "m2", 100, 1 << 20, true);
        acquisition.Read?.Dispose();
        Assert.That(acquisition.Ranges, Is.EqualTo(new[] { new AcquiredRange(2, 2, 2), new AcquiredRange(4, 4, 2) }));
    }

    [Test]
    public async Task AnExpiredLockIsPersistedWithoutAnyRequest()
    {
        Produce("a");
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", 100, 1 << 20, true).Read?.Dispose();
        var writes = _persister.Writes;

        _time.Advance(TimeSpan.FromMilliseconds(30_000));

        Assert.That(_persister.Writes, Is.EqualTo(writes + 1));
        Assert.That(_persister.StateOf(Group, _topicId, 0)!.Value.Offsets[0], Is.EqualTo(((sbyte)RecordState.Available, (short)1)));
    }

    [Test]
    public async Task AFailedWriteIsTheAcknowledgementsAnswer()
    {
        Produce("a");
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", 100, 1 << 20, true).Read?.Dispose();
        _persister.FailWrites = ErrorCode.CoordinatorNotAvailable;

        var result = await manager.AcknowledgeAsync(Group, "m1", _topicId, 0, [Ack(0, 0, AcknowledgeType.Accept)]);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.CoordinatorNotAvailable));
    }

    [Test]
    public async Task AnAcknowledgementWhoseWriteFailedIsUndoneAndCanBeSentAgain()
    {
        Produce("a", "b");
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", 100, 1 << 20, true).Read?.Dispose();
        _persister.FailWrites = ErrorCode.CoordinatorLoadInProgress;

        var failed = await manager.AcknowledgeAsync(Group, "m1", _topicId, 0, [Ack(0, 1, AcknowledgeType.Accept)]);

        Assert.That(failed.Error, Is.EqualTo(ErrorCode.CoordinatorNotAvailable), "Kafka's leader maps a coordinator it cannot reach so");
        Assert.That(share.StateOf(0), Is.EqualTo((RecordState.Acquired, (short)1, "m1")));
        Assert.That(share.StartOffset, Is.EqualTo(0));
        _persister.FailWrites = ErrorCode.None;
        var retried = await manager.AcknowledgeAsync(Group, "m1", _topicId, 0, [Ack(0, 1, AcknowledgeType.Accept)]);
        Assert.That(retried.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(share.StartOffset, Is.EqualTo(2));
        Assert.That(_persister.StateOf(Group, _topicId, 0)?.StartOffset, Is.EqualTo(2));
    }

    [Test]
    public async Task ReleasedRecordsWhoseWriteFailedStayWithTheMemberUntilTheirLockRunsOut()
    {
        Produce("a");
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", 100, 1 << 20, true).Read?.Dispose();
        _persister.FailWrites = ErrorCode.UnknownServerError;

        await manager.ReleaseSessionAsync(Group, "m1", [new KafkaCompat.Broker.Share.Sessions.SharePartitionKey(_topicId, 0)]);

        Assert.That(share.StateOf(0), Is.EqualTo((RecordState.Acquired, (short)1, "m1")));
        Assert.That(manager.Acquire(share, "m2", 100, 1 << 20, true).Ranges, Is.Empty);
        _persister.FailWrites = ErrorCode.None;
        _time.Advance(TimeSpan.FromMilliseconds(30_000));
        Assert.That(manager.Acquire(share, "m2", 100, 1 << 20, true).Ranges, Is.EqualTo(new[] { new AcquiredRange(0, 0, 2) }));
    }

    [Test]
    public async Task ReadCommittedStopsAtTheLastStableOffsetAndArchivesAbortedTransactions()
    {
        _settings = _settings with { ReadCommitted = true };
        using (var builder = new RecordBatchBuilder { ProducerId = 7, ProducerEpoch = 0, BaseSequence = 0, IsTransactional = true })
        {
            builder.Append(1, null, [1]);
            builder.Append(1, null, [2]);
            _replicas.Partition().AppendAsLeader(builder.ToArray());                      // 0-1, transactional
        }
        Produce("plain");                                                               // 2
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        Assert.That(manager.Acquire(share, "m1", 100, 1 << 20, true).Ranges, Is.Empty, "the open transaction holds the last stable offset at 0");

        _replicas.Partition().AppendEndTxnMarker(7, producerEpoch: 0, coordinatorEpoch: 0, commit: false); // 3
        var acquisition = manager.Acquire(share, "m1", 100, 1 << 20, true);
        acquisition.Read?.Dispose();

        // The ABORT marker is acquired too: the member acknowledges it as a gap, as Kafka's consumer does.
        Assert.That(acquisition.Ranges, Is.EqualTo(new[] { new AcquiredRange(2, 3, 1) }));
        Assert.That(share.StartOffset, Is.EqualTo(2), "the aborted records were archived");
    }

    [Test]
    public async Task AWriteFencedByANewerStateEpochDropsTheCopySoTheNextFetchLoadsTheNewState()
    {
        Produce("a", "b");
        using var manager = NewManager();
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", 100, 1 << 20, true).Read?.Dispose();
        _persister.FailWrites = ErrorCode.FencedStateEpoch;

        var fenced = await manager.AcknowledgeAsync(Group, "m1", _topicId, 0, [Ack(0, 1, AcknowledgeType.Accept)]);
        _persister.FailWrites = ErrorCode.None;

        Assert.That(fenced.Error, Is.EqualTo(ErrorCode.FencedStateEpoch));
        Assert.That(manager.Loaded(Group, _topicId, 0), Is.Null);
        var reloaded = await LoadAsync(manager);
        Assert.That(reloaded, Is.Not.SameAs(share));
        Assert.That(reloaded.StartOffset, Is.EqualTo(0), "what the coordinator kept: the fenced acknowledgement never landed");
    }

    [Test]
    public async Task WhenTheGroupsLastSessionEndsTheNextMemberStartsFromTheStateAnAlterSet()
    {
        Produce("a", "b", "c", "d", "e", "f");
        using var manager = NewManager();
        var key = new KafkaCompat.Broker.Share.Sessions.SharePartitionKey(_topicId, 0);
        manager.Sessions.Open(Group, "m1", [key]);
        var share = await LoadAsync(manager);
        manager.Acquire(share, "m1", 2, 1 << 20, minOneBatch: true, recordLimit: true).Read?.Dispose();
        await manager.AcknowledgeAsync(Group, "m1", _topicId, 0, [Ack(0, 1, AcknowledgeType.Accept)]);
        manager.Sessions.Remove(Group, "m1");
        await manager.ReleaseSessionAsync(Group, "m1", [key]);

        // AlterShareGroupOffsets of the now empty group, as the group coordinator sends it: a new state epoch and start offset.
        await _persister.InitializeStateAsync(new() { GroupId = Group, Topics = [new() { TopicId = _topicId, Partitions = [new() { Partition = 0, StateEpoch = 5, StartOffset = 4 }] }] });
        manager.Sessions.Open(Group, "m2", [key]);
        var reloaded = await LoadAsync(manager);

        Assert.That(reloaded, Is.Not.SameAs(share));
        Assert.That(reloaded.StartOffset, Is.EqualTo(4));
        Assert.That(reloaded.StateEpoch, Is.EqualTo(5));
        Assert.That(manager.Acquire(reloaded, "m2", 100, 1 << 20, true).Ranges, Is.EqualTo(new[] { new AcquiredRange(4, 5, 1) }));
    }

    [Test]
    public async Task WhileAnotherMemberHasASessionTheGroupsSharePartitionsStayLoaded()
    {
        Produce("a");
        using var manager = NewManager();
        var key = new KafkaCompat.Broker.Share.Sessions.SharePartitionKey(_topicId, 0);
        manager.Sessions.Open(Group, "m1", [key]);
        manager.Sessions.Open(Group, "m2", [key]);
        var share = await LoadAsync(manager);

        manager.Sessions.Remove(Group, "m1");
        await manager.ReleaseSessionAsync(Group, "m1", [key]);

        Assert.That(manager.Loaded(Group, _topicId, 0), Is.SameAs(share));
    }

    [Test]
    public async Task ADeletedTopicsSharePartitionsAreDropped()
    {
        Produce("a");
        using var manager = NewManager();
        await LoadAsync(manager);

        await _replicas.Metadata.DeleteTopic(ReplicaHarness.Topic, _topicId);
        manager.OnMetadataImage(_replicas.Metadata.Image);

        Assert.That(manager.Loaded(Group, _topicId, 0), Is.Null);
    }

    [Test]
    public async Task AcknowledgingAPartitionNoFetchLoadedIsUnknownTopicOrPartition()
    {
        using var manager = NewManager();

        var result = await manager.AcknowledgeAsync(Group, "m1", _topicId, 0, [Ack(0, 0, AcknowledgeType.Accept)]);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.UnknownTopicOrPartition));
    }
}
