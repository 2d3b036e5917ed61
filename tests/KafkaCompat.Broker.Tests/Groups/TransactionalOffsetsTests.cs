using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Groups;

/// <summary>
/// Offsets committed inside a transaction (TxnOffsetCommit): pending per producer until the
/// transaction's marker reaches the group's <c>__consumer_offsets</c> partition, then committed or
/// gone; the same state rebuilt from the partition after a restart.
/// </summary>
public class TransactionalOffsetsTests
{
    private const long Producer = 4000;
    private const long OtherProducer = 4001;
    private const short Epoch = 0;

    private GroupHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new GroupHarness(new Dictionary<string, string> { ["offsets.retention.minutes"] = "1" });

    [TearDown]
    public async Task TearDown() => await _h.DisposeAsync();

    private async Task<ErrorCode> TxnCommitAsync(long offset, long producerId = Producer, short epoch = Epoch, int partition = 0, int generation = -1, string memberId = "", string? instanceId = null)
    {
        var errors = await _h.Coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitParams(GroupHarness.Group, producerId, epoch, generation, memberId, instanceId,
            [new OffsetCommitEntry("t", partition, offset, 3, "in txn", _h.Time.NowMs, null)]));
        return errors.Single();
    }

    private Task<ErrorCode> MarkerAsync(bool commit, long producerId = Producer, short epoch = Epoch, int coordinatorEpoch = 0) =>
        _h.Coordinator.CompleteTransactionAsync(new TopicPartition(TopicNames.ConsumerOffsets, _h.Coordinator.PartitionFor(GroupHarness.Group)), producerId, epoch, coordinatorEpoch, commit);

    private async Task<(long Offset, ErrorCode Error)> FetchAsync(bool requireStable, int partition = 0)
    {
        var fetched = (await _h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [("t", [partition])], requireStable)).Offsets.Single();
        return (fetched.Offset, fetched.Error);
    }

    [Test]
    public async Task OffsetsOfATransactionBecomeCommittedAtItsCommitMarker()
    {
        await _h.CommitAsync(5);
        Assert.That(await TxnCommitAsync(42), Is.EqualTo(ErrorCode.None));
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(5), "pending until the marker");

        Assert.That(await MarkerAsync(commit: true), Is.EqualTo(ErrorCode.None));

        Assert.That(await _h.CommittedAsync(), Is.EqualTo(42));
        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((42L, ErrorCode.None)));
    }

    [Test]
    public async Task OffsetsOfAnAbortedTransactionVanish()
    {
        await _h.CommitAsync(5);
        await TxnCommitAsync(42);
        await TxnCommitAsync(7, partition: 1);

        Assert.That(await MarkerAsync(commit: false), Is.EqualTo(ErrorCode.None));

        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((5L, ErrorCode.None)));
        Assert.That(await FetchAsync(requireStable: true, partition: 1), Is.EqualTo((-1L, ErrorCode.None)));
        // A later COMMIT of the same producer finds nothing pending any more.
        Assert.That(await MarkerAsync(commit: true), Is.EqualTo(ErrorCode.None));
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(5));
    }

    [Test]
    public async Task RequireStableAnswersUnstableOffsetCommitWhileATransactionHoldsThePartition()
    {
        await _h.CommitAsync(5);
        await TxnCommitAsync(42);

        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((-1L, ErrorCode.UnstableOffsetCommit)));
        Assert.That(await FetchAsync(requireStable: false), Is.EqualTo((5L, ErrorCode.None)), "without require_stable: the last committed offset");
        Assert.That(await FetchAsync(requireStable: true, partition: 1), Is.EqualTo((-1L, ErrorCode.None)), "another partition is stable");
        var every = await _h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, null, requireStable: true);
        Assert.That(every.Offsets.Select(o => (o.Partition, o.Offset, o.Error)), Is.EqualTo(new[] { (0, -1L, ErrorCode.UnstableOffsetCommit) }));
    }

    [Test]
    public async Task APartitionStaysUnstableUntilEveryProducerHoldingItEnds()
    {
        await TxnCommitAsync(42, Producer);
        await TxnCommitAsync(43, OtherProducer);

        await MarkerAsync(commit: false, Producer);
        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((-1L, ErrorCode.UnstableOffsetCommit)));

        await MarkerAsync(commit: true, OtherProducer);
        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((43L, ErrorCode.None)));
    }

    [Test]
    public async Task EveryCommitOfOneTransactionIsWrittenThoughTheRuntimeWritesEachWithSequenceZero()
    {
        // Kafka's coordinator writes each transactional batch with base sequence 0: the log must not take the second for a retry of the first.
        await TxnCommitAsync(42);
        Assert.That(await TxnCommitAsync(43), Is.EqualTo(ErrorCode.None));

        await MarkerAsync(commit: true);
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(43));

        await _h.RestartAsync();
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(43), "the second batch is in the log");
    }

    [Test]
    public async Task APlainCommitWrittenAfterTheTransactionalOneWinsWhenTheTransactionCommits()
    {
        await TxnCommitAsync(42);
        await _h.CommitAsync(50);

        await MarkerAsync(commit: true);

        Assert.That(await _h.CommittedAsync(), Is.EqualTo(50), "as Kafka: the later record of the partition is the committed offset");
    }

    [Test]
    public async Task AFencedProducerEpochIsRefusedForCommitsAndMarkers()
    {
        Assert.That(await TxnCommitAsync(42, epoch: 1), Is.EqualTo(ErrorCode.None));

        Assert.That(await TxnCommitAsync(43, epoch: 0), Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(await MarkerAsync(commit: true, epoch: 0), Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((-1L, ErrorCode.UnstableOffsetCommit)), "the refused marker changed nothing");

        Assert.That(await MarkerAsync(commit: true, epoch: 1), Is.EqualTo(ErrorCode.None));
        Assert.That(await _h.CommittedAsync(), Is.EqualTo(42));
    }

    [TestCase("open")]
    [TestCase("committed")]
    [TestCase("aborted")]
    public async Task ARestartRebuildsTheSameOffsetsFromThePartition(string state)
    {
        await _h.CommitAsync(5);
        await TxnCommitAsync(42);
        await TxnCommitAsync(8, OtherProducer, partition: 1);
        await MarkerAsync(commit: true, OtherProducer);
        if (state != "open")
        {
            await MarkerAsync(commit: state == "committed");
        }
        var before = (await FetchAsync(requireStable: true), await FetchAsync(requireStable: false), await FetchAsync(requireStable: true, partition: 1));

        await _h.RestartAsync();

        var after = (await FetchAsync(requireStable: true), await FetchAsync(requireStable: false), await FetchAsync(requireStable: true, partition: 1));
        Assert.That(after, Is.EqualTo(before));
        Assert.That(after.Item1, Is.EqualTo(state switch
        {
            "open" => (-1L, ErrorCode.UnstableOffsetCommit),
            "committed" => (42L, ErrorCode.None),
            _ => (5L, ErrorCode.None),
        }));
        Assert.That(after.Item3, Is.EqualTo((8L, ErrorCode.None)));
        if (state == "open")
        {
            // The transaction left open before the restart still completes afterwards.
            Assert.That(await MarkerAsync(commit: true), Is.EqualTo(ErrorCode.None));
            Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((42L, ErrorCode.None)));
        }
    }

    [Test]
    public async Task ExpiryKeepsAGroupWithPendingOffsetsAndTheOffsetsOfTheirPartitions()
    {
        await _h.CommitAsync(5, partition: 0);
        await _h.CommitAsync(6, partition: 1);
        await TxnCommitAsync(42, partition: 0);
        _h.Time.Advance(TimeSpan.FromMinutes(2));

        await _h.Coordinator.ExpireOffsets();

        Assert.That(await _h.CommittedAsync(partition: 1), Is.EqualTo(-1), "an offset without a transaction expires");
        Assert.That(await _h.CommittedAsync(partition: 0), Is.EqualTo(5), "not while a transaction holds its partition");
        Assert.That(_h.GroupState(), Is.Not.Null);
        await MarkerAsync(commit: true);
        Assert.That(await _h.CommittedAsync(partition: 0), Is.EqualTo(42));
    }

    [Test]
    public async Task ExpiryKeepsAGroupWhoseOnlyOffsetsArePending()
    {
        await TxnCommitAsync(42);
        var group = _h.GroupState();
        Assert.That(group, Is.Not.Null, "a transactional commit creates the simple group, as a plain one does");
        _h.Time.Advance(TimeSpan.FromMinutes(2));

        await _h.Coordinator.ExpireOffsets();

        Assert.That(_h.GroupState(), Is.SameAs(group));
    }

    [Test]
    public async Task DeletingTheGroupDropsItsPendingOffsets()
    {
        await TxnCommitAsync(42);

        Assert.That(await _h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.None));
        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((-1L, ErrorCode.None)));
        await MarkerAsync(commit: true);

        Assert.That(await _h.CommittedAsync(), Is.EqualTo(-1), "the commit finds nothing pending");
        Assert.That(_h.GroupState(), Is.Null);
    }

    [Test]
    public async Task OffsetDeleteDropsAPendingOffset()
    {
        await TxnCommitAsync(42);

        var deleted = await _h.Coordinator.DeleteOffsetsAsync(GroupHarness.Group, [("t", 0)]);
        Assert.That(deleted.Error, Is.EqualTo(ErrorCode.None));
        await MarkerAsync(commit: true);

        Assert.That(await _h.CommittedAsync(), Is.EqualTo(-1));
    }

    [Test]
    public async Task FromV3ATransactionalCommitIsCheckedAgainstTheMemberButNotRefusedDuringARebalance()
    {
        Assert.That(await TxnCommitAsync(1, generation: 2, memberId: "m"), Is.EqualTo(ErrorCode.IllegalGeneration), "a generation for a group that does not exist");
        var (leader, _) = await _h.SecondGenerationAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(await TxnCommitAsync(1, generation: 1, memberId: leader), Is.EqualTo(ErrorCode.IllegalGeneration));
            Assert.That(await TxnCommitAsync(1, generation: 2, memberId: "ghost"), Is.EqualTo(ErrorCode.UnknownMemberId));
            Assert.That(await TxnCommitAsync(1, generation: 2, memberId: leader, instanceId: "nobody"), Is.EqualTo(ErrorCode.UnknownMemberId));
            // Older versions carry no member: accepted even though the group has members.
            Assert.That(await TxnCommitAsync(1), Is.EqualTo(ErrorCode.None));
            Assert.That(await TxnCommitAsync(2, generation: 2, memberId: leader), Is.EqualTo(ErrorCode.None), "CompletingRebalance does not refuse a transactional commit");
        });
    }

    [Test]
    public async Task AMarkerForAPartitionWithoutAShardIsNotCoordinator()
    {
        await _h.CommitAsync(5);

        var error = await _h.Coordinator.CompleteTransactionAsync(new TopicPartition(TopicNames.ConsumerOffsets, 99), Producer, Epoch, 0, commit: true);

        Assert.That(error, Is.EqualTo(ErrorCode.NotCoordinator));
        Assert.That(() => _h.Coordinator.CompleteTransactionAsync(new TopicPartition("t", 0), Producer, Epoch, 0, commit: true), Throws.ArgumentException);
    }

    [Test]
    public async Task AMarkerWhileThePartitionLoadsIsRefusedAndNothingIsWritten()
    {
        await TxnCommitAsync(42);
        using var hold = new ManualResetEventSlim();
        await _h.RestartAsync(hold);
        ErrorCode whileLoading;
        try
        {
            whileLoading = await MarkerAsync(commit: true);
        }
        finally
        {
            // Released even when the marker misbehaves, or the shard never loads and the teardown waits for it.
            hold.Set();
        }
        await _h.SettleAsync();

        Assert.That(whileLoading, Is.EqualTo(ErrorCode.CoordinatorLoadInProgress));
        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((-1L, ErrorCode.UnstableOffsetCommit)), "still pending: the refused marker was not written");
        Assert.That(await MarkerAsync(commit: true), Is.EqualTo(ErrorCode.None));
        Assert.That(await FetchAsync(requireStable: true), Is.EqualTo((42L, ErrorCode.None)));
    }
}
