using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Transactions;

/// <summary>
/// The transaction coordinator's state machine against Kafka's rules (TransactionCoordinator and
/// TransactionMetadata of Kafka 4.x): fencing by epoch, the two-phase end, retries, timeouts and
/// reloading from <c>__transaction_state</c>.
/// </summary>
public class TransactionCoordinatorTests
{
    private static readonly TopicPartition T0 = new("t", 0);
    private static readonly TopicPartition T1 = new("t", 1);

    [Test]
    public async Task ANewTransactionalIdGetsEpochZeroAndEachInitProducerIdBumpsTheEpochOfTheSameProducerId()
    {
        await using var h = new TransactionHarness();
        var first = await h.InitAsync();
        Assert.That(first.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(first.ProducerId, Is.GreaterThanOrEqualTo(0));
        Assert.That(first.ProducerEpoch, Is.EqualTo(0));

        var second = await h.InitAsync();
        Assert.That(second, Is.EqualTo(new InitProducerIdResult(first.ProducerId, 1, ErrorCode.None)));
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.Empty));
    }

    [Test]
    public async Task AnOlderProducerIsFencedByTheNewOnesInitProducerId()
    {
        await using var h = new TransactionHarness();
        var zombie = await h.InitAsync();
        var current = await h.InitAsync();

        Assert.That(await h.AddAsync(zombie, T0), Is.EqualTo(ErrorCode.ProducerFenced));
        Assert.That(await h.EndAsync(zombie, commit: true), Is.EqualTo(ErrorCode.ProducerFenced));
        Assert.That(await h.AddAsync(current, T0), Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public async Task RequestsForAnUnknownIdOrAnotherProducerIdAreInvalidProducerIdMappings()
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        Assert.That(await h.Coordinator.AddPartitionsAsync("never-initialized", producer.ProducerId, 0, [T0]), Is.EqualTo(ErrorCode.InvalidProducerIdMapping));
        Assert.That(await h.Coordinator.AddPartitionsAsync(TransactionHarness.TransactionalId, producer.ProducerId + 1, 0, [T0]), Is.EqualTo(ErrorCode.InvalidProducerIdMapping));
        Assert.That(await h.Coordinator.EndTransactionAsync(TransactionHarness.TransactionalId, producer.ProducerId + 1, 0, commit: true), Is.EqualTo(EndTxnResult.Classic(ErrorCode.InvalidProducerIdMapping)));
    }

    [Test]
    public async Task ATimeoutAboveTransactionMaxTimeoutMsIsRefused()
    {
        await using var h = new TransactionHarness(new() { ["transaction.max.timeout.ms"] = "60000" });
        Assert.That((await h.InitAsync(timeoutMs: 60_001)).Error, Is.EqualTo(ErrorCode.InvalidTransactionTimeout));
        Assert.That((await h.InitAsync(timeoutMs: 60_000)).Error, Is.EqualTo(ErrorCode.None));
    }

    [Test]
    public async Task ACommitWritesACommitMarkerToEveryPartitionOfTheTransactionThenCompletes()
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        Assert.That(await h.AddAsync(producer, T0), Is.EqualTo(ErrorCode.None));
        Assert.That(await h.AddAsync(producer, T1, T0), Is.EqualTo(ErrorCode.None));
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.Ongoing));
        Assert.That(h.State()!.Partitions, Is.EquivalentTo(new[] { T0, T1 }));

        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.None));
        await h.SettleAsync();

        var marker = h.Markers.Sent.Single();
        Assert.That((marker.Commit, marker.ProducerId, marker.ProducerEpoch), Is.EqualTo((true, producer.ProducerId, producer.ProducerEpoch)));
        Assert.That(marker.Partitions, Is.EquivalentTo(new[] { T0, T1 }));
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.CompleteCommit));
        Assert.That(h.State()!.Partitions, Is.Empty);
    }

    [Test]
    public async Task WhileMarkersAreInFlightTheProducerIsToldToRetryAndTheOppositeOutcomeIsAnInvalidState()
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        await h.AddAsync(producer, T0);
        h.Markers.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.None));
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.PrepareCommit));

        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.ConcurrentTransactions));
        Assert.That(await h.EndAsync(producer, commit: false), Is.EqualTo(ErrorCode.InvalidTxnState));
        Assert.That(await h.AddAsync(producer, T1), Is.EqualTo(ErrorCode.ConcurrentTransactions));
        Assert.That((await h.InitAsync()).Error, Is.EqualTo(ErrorCode.ConcurrentTransactions));

        h.Markers.Hold.SetResult();
        await h.SettleUntilAsync(() => h.State()!.State == TransactionState.CompleteCommit, "the released markers complete the commit");
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.None), "a retried commit of a committed transaction");
        Assert.That(await h.EndAsync(producer, commit: false), Is.EqualTo(ErrorCode.InvalidTxnState));
    }

    [Test]
    public async Task EndingWithNoTransactionOpenIsAnInvalidState()
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.InvalidTxnState));
        Assert.That(await h.EndAsync(producer, commit: false), Is.EqualTo(ErrorCode.InvalidTxnState));
        Assert.That(h.Markers.Sent, Is.Empty);
    }

    [Test]
    public async Task InitProducerIdDuringAnOpenTransactionAbortsItUnderABumpedEpochAndAsksForARetry()
    {
        await using var h = new TransactionHarness();
        var zombie = await h.InitAsync();
        await h.AddAsync(zombie, T0);

        Assert.That((await h.InitAsync()).Error, Is.EqualTo(ErrorCode.ConcurrentTransactions));
        await h.SettleAsync();
        var abort = h.Markers.Sent.Single();
        Assert.That((abort.Commit, abort.ProducerEpoch), Is.EqualTo((false, (short)(zombie.ProducerEpoch + 1))), "the abort marker carries the fencing epoch");
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.CompleteAbort));

        var retry = await h.InitAsync();
        Assert.That(retry, Is.EqualTo(new InitProducerIdResult(zombie.ProducerId, (short)(zombie.ProducerEpoch + 2), ErrorCode.None)));
        Assert.That(await h.EndAsync(zombie, commit: true), Is.EqualTo(ErrorCode.ProducerFenced));
    }

    [Test]
    public async Task ATransactionOpenLongerThanItsTimeoutIsAbortedAndItsProducerFenced()
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync(timeoutMs: 20_000);
        await h.AddAsync(producer, T0);

        // The check runs every transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s by default).
        await h.AdvanceAsync(20_000);
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.Ongoing), "not yet past its timeout at the 20 s check");
        await h.AdvanceAsync(10_000);

        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.CompleteAbort));
        var abort = h.Markers.Sent.Single();
        Assert.That((abort.Commit, abort.ProducerEpoch, abort.Partitions.Single()), Is.EqualTo((false, (short)(producer.ProducerEpoch + 1), T0)));
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.ProducerFenced));
    }

    /// <summary>Errors Kafka's marker completion handler retries: the leader moved, lacks replicas, timed out or lost its disk.</summary>
    [TestCase(ErrorCode.NotLeaderOrFollower)]
    [TestCase(ErrorCode.NotEnoughReplicas)]
    [TestCase(ErrorCode.RequestTimedOut)]
    [TestCase(ErrorCode.KafkaStorageError)]
    public async Task AFailedMarkerIsRetriedForThatPartitionOnlyAndTheTransactionCompletesAfterwards(ErrorCode retriable)
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        await h.AddAsync(producer, T0, T1);
        h.Markers.Failing[T1] = retriable;
        Assert.That(await h.EndAsync(producer, commit: false), Is.EqualTo(ErrorCode.None));
        await h.SettleAsync();
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.PrepareAbort));

        h.Markers.Failing.Clear();
        await h.AdvanceAsync(1_000);
        await h.SettleUntilAsync(() => h.State()!.State == TransactionState.CompleteAbort, "the retried marker completes the abort");

        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.CompleteAbort));
        Assert.That(h.Markers.Sent.Select(m => m.Partitions.Count), Is.EqualTo(new[] { 2, 1 }.Concat(Enumerable.Repeat(1, h.Markers.Sent.Count - 2))));
        Assert.That(h.Markers.Sent.Skip(1).All(m => m.Partitions.Single() == T1), Is.True, "only the partition that failed is sent again");
    }

    /// <summary>
    /// A partition that saw a newer producer epoch or coordinator epoch: as Kafka's completion handler
    /// does, the coordinator stops sending this transaction's markers and writes no completion (the
    /// transaction was settled by someone newer), instead of retrying forever.
    /// </summary>
    [TestCase(ErrorCode.InvalidProducerEpoch)]
    [TestCase(ErrorCode.TransactionCoordinatorFenced)]
    public async Task AMarkerRefusedForANewerEpochStopsTheTransactionsMarkersWithoutCompletingIt(ErrorCode fenced)
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        await h.AddAsync(producer, T0, T1);
        h.Markers.Failing[T1] = fenced;
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.None));
        await h.SettleAsync();

        await h.AdvanceAsync(10_000);

        Assert.That(h.Markers.Sent, Has.Count.EqualTo(1), "not sent again, however long");
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.PrepareCommit), "no completion written");
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.ConcurrentTransactions));
    }

    /// <summary>
    /// UNKNOWN_TOPIC_OR_PARTITION (the topic was deleted: Kafka finds no leader to send it to) and the
    /// errors of a partition the producer could not have written to either: that partition is dropped,
    /// not retried, and the transaction completes with the others' markers.
    /// </summary>
    [TestCase(ErrorCode.UnknownTopicOrPartition)]
    [TestCase(ErrorCode.UnsupportedForMessageFormat)]
    [TestCase(ErrorCode.UnsupportedVersion)]
    public async Task AMarkerForAPartitionLeftWithNothingToMarkIsDroppedAndTheTransactionCompletes(ErrorCode gone)
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        await h.AddAsync(producer, T0, T1);
        h.Markers.Failing[T1] = gone;
        Assert.That(await h.EndAsync(producer, commit: false), Is.EqualTo(ErrorCode.None));

        await h.SettleUntilAsync(() => h.State()!.State == TransactionState.CompleteAbort, "the abort completes without T1's marker");
        await h.AdvanceAsync(10_000);

        Assert.That(h.Markers.Sent.Single().Partitions, Is.EquivalentTo(new[] { T0, T1 }), "sent once, never retried");
    }

    [Test]
    public async Task APreparedTransactionFoundAtLoadHasItsMarkersSentAndCompletes()
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        await h.AddAsync(producer, T0);
        h.Markers.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.None));

        // The broker stops before any marker is acknowledged; the decision is in the log.
        var restart = h.RestartAsync();
        h.Markers.Hold.SetResult();
        h.Markers.Hold = null;
        await restart;
        await h.SettleAsync();

        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.CompleteCommit));
        Assert.That(h.Markers.Sent.Count(m => m.Commit && m.Partitions.Contains(T0)), Is.GreaterThanOrEqualTo(2), "sent before the restart and again after it");
    }

    [Test]
    public async Task TheStateAfterARunOfOperationsIsTheStateAfterReloadingThePartition()
    {
        await using var h = new TransactionHarness();
        var a = await h.InitAsync("a");
        var b = await h.InitAsync("b");
        await h.InitAsync("b");
        b = await h.InitAsync("b");
        await h.Coordinator.AddPartitionsAsync("a", a.ProducerId, a.ProducerEpoch, [T0, T1]);
        await h.Coordinator.EndTransactionAsync("a", a.ProducerId, a.ProducerEpoch, commit: true);
        await h.Coordinator.AddPartitionsAsync("b", b.ProducerId, b.ProducerEpoch, [T1]);
        await h.InitAsync("c", timeoutMs: 5_000);
        await h.SettleAsync();
        var before = await FingerprintAsync(h);

        await h.RestartAsync();

        Assert.That(await FingerprintAsync(h), Is.EqualTo(before));
        Assert.That(before, Does.Contain("a CompleteCommit").And.Contain("b Ongoing").And.Contain("epoch=2"), "the fingerprint describes what ran");
    }

    [Test]
    public async Task AWriteThatFailsLeavesNoTrace()
    {
        await using var h = new TransactionHarness();
        var producer = await h.InitAsync();
        // From now on every batch is larger than the partition accepts: the write fails.
        Assert.That((await h.Metadata.AlterConfigs(MetadataImage.TopicResource, TopicNames.TransactionState, [new("max.message.bytes", "70")])).IsOk, Is.True);

        Assert.That(await h.AddAsync(producer, T0), Is.EqualTo(ErrorCode.UnknownServerError));
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.Empty));
        Assert.That((await h.InitAsync()).Error, Is.EqualTo(ErrorCode.UnknownServerError));
        Assert.That(h.State()!.ProducerEpoch, Is.EqualTo(producer.ProducerEpoch));

        await h.RestartAsync();
        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.Empty, producer.ProducerEpoch)), "nor written");
    }

    [Test]
    public async Task AnIdUnusedForTransactionalIdExpirationMsIsRemovedAndStartsAfreshAtEpochZero()
    {
        await using var h = new TransactionHarness(new()
        {
            ["transactional.id.expiration.ms"] = "60000",
            ["transaction.remove.expired.transaction.cleanup.interval.ms"] = "30000",
        });
        var old = await h.InitAsync();
        await h.AdvanceAsync(60_000);
        Assert.That(h.State(), Is.Null);

        await h.RestartAsync();
        Assert.That(h.State(), Is.Null, "the tombstone is in the log");
        var fresh = await h.InitAsync();
        Assert.That((fresh.ProducerEpoch, fresh.ProducerId == old.ProducerId), Is.EqualTo(((short)0, false)));
    }

    [Test]
    public async Task AnOpenTransactionNeverExpires()
    {
        await using var h = new TransactionHarness(new()
        {
            ["transactional.id.expiration.ms"] = "1000",
            ["transaction.remove.expired.transaction.cleanup.interval.ms"] = "1000",
            ["transaction.abort.timed.out.transaction.cleanup.interval.ms"] = "3600000",
        });
        var producer = await h.InitAsync(timeoutMs: 900_000);
        await h.AddAsync(producer, T0);
        await h.AdvanceAsync(5_000);
        Assert.That(h.State()!.State, Is.EqualTo(TransactionState.Ongoing));
    }

    private static async Task<string> FingerprintAsync(TransactionHarness h)
    {
        var (error, all) = await h.Coordinator.ListAsync();
        Assert.That(error, Is.EqualTo(ErrorCode.None));
        return string.Join("\n", all.OrderBy(t => t.TransactionalId).Select(t =>
            $"{t.TransactionalId} {t.State} pid={t.ProducerId} epoch={t.ProducerEpoch} timeout={t.TimeoutMs} start={t.StartTimestampMs} updated={t.LastUpdateTimestampMs} partitions={string.Join(",", t.Partitions.OrderBy(p => p.Partition))}"));
    }
}
