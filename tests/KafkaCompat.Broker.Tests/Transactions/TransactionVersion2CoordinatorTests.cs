using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Transactions;

/// <summary>
/// The coordinator's transaction version 2 (KIP-890 part 2): EndTxn bumps the epoch at every end and
/// answers the next one, rotates the producer id when the epoch would overflow, tells retries from
/// new calls by the epoch, and each state survives a reload of <c>__transaction_state</c>.
/// </summary>
public class TransactionVersion2CoordinatorTests
{
    private static readonly TopicPartition T0 = new("orders", 0);
    private static readonly TopicPartition T1 = new("orders", 1);

    private static TransactionHarness NewHarness() => new(transactionVersionLevel: 2);

    [Test]
    public async Task EveryEndBumpsTheEpochAndEachStateSurvivesAReload()
    {
        await using var h = NewHarness();
        var (id, epoch) = await InitAsync(h);

        Assert.That(await h.AddV2Async(id, epoch, T0), Is.EqualTo(ErrorCode.None));
        await h.RestartAsync();
        Assert.That((h.State()!.State, h.State()!.ClientTransactionVersion, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.Ongoing, (short)2, epoch)));

        // The markers are held: the broker stops with the decision logged and no marker acknowledged.
        h.Markers.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.That(await h.EndV2Async(id, epoch, commit: true), Is.EqualTo(new EndTxnResult(ErrorCode.None, id, (short)(epoch + 1))));
        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.PrepareCommit, (short)(epoch + 1))));
        Assert.That(await h.EndV2Async(id, epoch, commit: true), Is.EqualTo(EndTxnResult.Classic(ErrorCode.ConcurrentTransactions)), "a retry while the markers are in flight");
        var restart = h.RestartAsync();
        h.Markers.Hold.SetResult();
        h.Markers.Hold = null;
        await restart;
        await h.SettleAsync();

        Assert.That((h.State()!.State, h.State()!.ProducerId, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteCommit, id, (short)(epoch + 1))));
        Assert.That(h.Markers.Sent.Select(m => (m.ProducerId, m.ProducerEpoch, m.Commit, m.TransactionVersion)).Distinct(),
            Is.EqualTo(new[] { (id, (short)(epoch + 1), true, (short)2) }), "sent before and after the restart, at the bumped epoch, as transaction version 2");

        // A retry of the commit (its answer lost) gets the same answer; an abort at the old epoch is the wrong outcome.
        Assert.That(await h.EndV2Async(id, epoch, commit: true), Is.EqualTo(new EndTxnResult(ErrorCode.None, id, (short)(epoch + 1))));
        Assert.That(await h.EndV2Async(id, epoch, commit: false), Is.EqualTo(EndTxnResult.Classic(ErrorCode.InvalidTxnState)));

        // At the current epoch a client may always abort, with nothing added: the epoch is bumped all the same.
        await h.RestartAsync();
        Assert.That(await h.EndV2Async(id, (short)(epoch + 1), commit: false), Is.EqualTo(new EndTxnResult(ErrorCode.None, id, (short)(epoch + 2))));
        await h.SettleAsync();
        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteAbort, (short)(epoch + 2))));
        Assert.That(await h.EndV2Async(id, (short)(epoch + 2), commit: true), Is.EqualTo(EndTxnResult.Classic(ErrorCode.InvalidTxnState)), "nothing to commit");
        Assert.That(await h.EndV2Async(id, epoch, commit: false), Is.EqualTo(EndTxnResult.Classic(ErrorCode.ProducerFenced)), "two epochs behind");
        await h.RestartAsync();
        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteAbort, (short)(epoch + 2))));
    }

    [Test]
    public async Task TheProducerIdRotatesWhenTheEpochWouldOverflow()
    {
        await using var h = NewHarness();
        var (id, _) = await InitAsync(h);
        const short nearlyExhausted = short.MaxValue - 2;
        await SeedAsync(h, new TransactionMetadata
        {
            TransactionalId = TransactionHarness.TransactionalId,
            ProducerId = id,
            PreviousProducerId = id,
            ProducerEpoch = nearlyExhausted,
            TimeoutMs = TransactionHarness.TimeoutMs,
            State = TransactionState.CompleteCommit,
            StartTimestampMs = h.Time.NowMs,
            LastUpdateTimestampMs = h.Time.NowMs,
            ClientTransactionVersion = 2,
        });

        // MaxValue - 2 is not exhausted: the bump to MaxValue - 1 keeps the producer id.
        Assert.That(await h.AddV2Async(id, nearlyExhausted, T0), Is.EqualTo(ErrorCode.None));
        Assert.That(await h.EndV2Async(id, nearlyExhausted, commit: true), Is.EqualTo(new EndTxnResult(ErrorCode.None, id, short.MaxValue - 1)));
        await h.SettleAsync();

        // MaxValue - 1 is exhausted: the markers go at MaxValue, the producer moves to a new id at epoch 0.
        Assert.That(await h.AddV2Async(id, short.MaxValue - 1, T1), Is.EqualTo(ErrorCode.None));
        var rotated = await h.EndV2Async(id, short.MaxValue - 1, commit: true);
        await h.SettleAsync();

        Assert.That((rotated.Error, rotated.ProducerEpoch), Is.EqualTo((ErrorCode.None, (short)0)));
        Assert.That(rotated.ProducerId, Is.Not.EqualTo(id).And.GreaterThan(0L));
        Assert.That(h.Markers.Sent[^1], Is.EqualTo(new TransactionMarkers(TransactionHarness.TransactionalId, id, short.MaxValue, true, h.Markers.Sent[^1].CoordinatorEpoch, h.Markers.Sent[^1].Partitions, 2)));
        Assert.That(h.Markers.Sent[^1].Partitions, Is.EquivalentTo(new[] { T1 }));
        var state = h.State()!;
        Assert.That((state.State, state.ProducerId, state.ProducerEpoch, state.PreviousProducerId), Is.EqualTo((TransactionState.CompleteCommit, rotated.ProducerId, (short)0, id)));

        // A retry on the old id (the answer was lost) gets the new id, before and after a reload.
        Assert.That(await h.EndV2Async(id, short.MaxValue - 1, commit: true), Is.EqualTo(rotated));
        await h.RestartAsync();
        Assert.That(await h.EndV2Async(id, short.MaxValue - 1, commit: true), Is.EqualTo(rotated));
        Assert.That(await h.EndV2Async(id, short.MaxValue - 1, commit: false), Is.EqualTo(EndTxnResult.Classic(ErrorCode.InvalidTxnState)));

        // The new id carries on; the old one is gone.
        Assert.That(await h.AddV2Async(rotated.ProducerId, 0, T0), Is.EqualTo(ErrorCode.None));
        Assert.That(await h.AddV2Async(id, short.MaxValue - 1, T0), Is.EqualTo(ErrorCode.InvalidProducerIdMapping));
    }

    /// <summary>
    /// Kafka 4.1+ (KAFKA-19367): the timeout's fence is the abort's one bump, so the producer's own
    /// abort at its old epoch is a retry of the coordinator's and succeeds with the new epoch (a 4.1+
    /// Java producer then carries on); its commit at the old epoch is PRODUCER_FENCED (KAFKA-20785), which
    /// it can recover from, not the INVALID_TXN_STATE that the retry rule alone would give.
    /// </summary>
    [Test]
    public async Task ATimedOutTransactionOfVersion2IsAbortedOneEpochUpAndTheProducersLateAbortIsARetry()
    {
        await using var h = NewHarness();
        var producer = await h.InitAsync(timeoutMs: 20_000);
        var (id, epoch) = (producer.ProducerId, producer.ProducerEpoch);
        Assert.That(await h.AddV2Async(id, epoch, T0), Is.EqualTo(ErrorCode.None));

        // The check runs every transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s by default).
        await h.AdvanceAsync(30_000);

        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteAbort, (short)(epoch + 1))));
        Assert.That(h.Markers.Sent.Single(), Is.EqualTo(new TransactionMarkers(TransactionHarness.TransactionalId, id, (short)(epoch + 1), false, h.Markers.Sent.Single().CoordinatorEpoch, [T0], 2))
            .Using<TransactionMarkers>((a, b) => a with { Partitions = [] } == b with { Partitions = [] } && a.Partitions.SequenceEqual(b.Partitions)));

        Assert.That(await h.EndV2Async(id, epoch, commit: true), Is.EqualTo(EndTxnResult.Classic(ErrorCode.ProducerFenced)), "the transaction was aborted, not committed");
        Assert.That(await h.EndV2Async(id, epoch, commit: false), Is.EqualTo(new EndTxnResult(ErrorCode.None, id, (short)(epoch + 1))), "the producer's abort is a retry of the coordinator's");
        Assert.That(await h.EndV2Async(id, epoch, commit: false), Is.EqualTo(new EndTxnResult(ErrorCode.None, id, (short)(epoch + 1))), "and stays one when retried");
        Assert.That(h.Markers.Sent, Has.Count.EqualTo(1), "the retries write no marker");

        // The producer carries on at the epoch it was answered.
        Assert.That(await h.AddV2Async(id, (short)(epoch + 1), T1), Is.EqualTo(ErrorCode.None));
        Assert.That(await h.EndV2Async(id, (short)(epoch + 1), commit: true), Is.EqualTo(new EndTxnResult(ErrorCode.None, id, (short)(epoch + 2))));
        await h.SettleAsync();
        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteCommit, (short)(epoch + 2))));
        Assert.That((h.Markers.Sent[^1].Commit, h.Markers.Sent[^1].ProducerEpoch), Is.EqualTo((true, (short)(epoch + 2))));
        Assert.That(await h.EndV2Async(id, epoch, commit: false), Is.EqualTo(EndTxnResult.Classic(ErrorCode.ProducerFenced)), "two epochs behind now");
    }

    /// <summary>
    /// KAFKA-19367 as its follow-up describes it: a new instance's InitProducerId fences the open
    /// version 2 transaction with one bump (the abort's), and its retry bumps once more.
    /// </summary>
    [Test]
    public async Task InitProducerIdFencesAnOpenVersion2TransactionWithOneBumpAndItsRetryWithAnother()
    {
        await using var h = NewHarness();
        var (id, epoch) = await InitAsync(h);
        Assert.That(await h.AddV2Async(id, epoch, T0), Is.EqualTo(ErrorCode.None));

        Assert.That((await h.InitAsync()).Error, Is.EqualTo(ErrorCode.ConcurrentTransactions));
        // The fencing abort's markers go out in the background: wait for its completion, as the other marker tests do.
        await h.SettleUntilAsync(() => h.State()!.State == TransactionState.CompleteAbort, "the fencing abort completes");
        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteAbort, (short)(epoch + 1))));
        Assert.That((h.Markers.Sent.Single().Commit, h.Markers.Sent.Single().ProducerEpoch), Is.EqualTo((false, (short)(epoch + 1))));

        Assert.That(await h.InitAsync(), Is.EqualTo(new InitProducerIdResult(id, (short)(epoch + 2), ErrorCode.None)));
    }

    [Test]
    public async Task AClassicClientKeepsItsEpochOnATransactionVersion2Coordinator()
    {
        await using var h = NewHarness();
        var producer = await h.InitAsync();
        Assert.That(await h.AddAsync(producer, T0), Is.EqualTo(ErrorCode.None));

        var ended = await h.Coordinator.EndTransactionAsync(TransactionHarness.TransactionalId, producer.ProducerId, producer.ProducerEpoch, commit: true);
        await h.SettleAsync();

        Assert.That(ended, Is.EqualTo(EndTxnResult.Classic(ErrorCode.None)));
        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteCommit, producer.ProducerEpoch)));
        Assert.That(h.Markers.Sent.Single(), Has.Property(nameof(TransactionMarkers.ProducerEpoch)).EqualTo(producer.ProducerEpoch).And.Property(nameof(TransactionMarkers.TransactionVersion)).EqualTo((short)0));
    }

    private static async Task<(long Id, short Epoch)> InitAsync(TransactionHarness h)
    {
        var producer = await h.InitAsync();
        Assert.That(producer.Error, Is.EqualTo(ErrorCode.None));
        return (producer.ProducerId, producer.ProducerEpoch);
    }

    /// <summary>Writes an entry to the transactional id's partition of <c>__transaction_state</c> as Kafka would, and reloads it.</summary>
    private static async Task SeedAsync(TransactionHarness h, TransactionMetadata entry)
    {
        var partition = h.Replicas.GetPartition(TopicNames.TransactionState, h.Coordinator.PartitionFor(entry.TransactionalId))!;
        using var batch = new RecordBatchBuilder();
        batch.Append(h.Time.NowMs, TransactionLogSerde.Key(entry.TransactionalId), TransactionLogSerde.Value(entry, 2));
        Assert.That(partition.AppendAsLeader(batch.ToArray()).Error, Is.EqualTo(ErrorCode.None));
        await h.RestartAsync();
        Assert.That(h.State(entry.TransactionalId), Is.EqualTo(entry with { LastProducerEpoch = TransactionMetadata.NoProducerEpoch, NextProducerId = TransactionMetadata.NoProducerId }));
    }

    /// <summary>
    /// A fence is not the client's: a classic client's transaction is aborted as the cluster's
    /// transaction.version ends transactions (Kafka passes its own level, "not from client"), so at
    /// level 2 as version 2 ends one (one epoch up since KAFKA-19367), with version 2 markers; the
    /// classic producer's commit at its epoch (EndTxn v4 or older, epochs compared strictly) is fenced.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public async Task AClassicTransactionFencedOnATransactionVersion2CoordinatorIsAbortedOneEpochUpAsVersion2(bool byTimeout)
    {
        await using var h = NewHarness();
        var producer = await h.InitAsync(timeoutMs: 20_000);
        Assert.That(await h.AddAsync(producer, T0), Is.EqualTo(ErrorCode.None));

        if (byTimeout)
        {
            await h.AdvanceAsync(30_000);
        }
        else
        {
            // A new instance of the producer: its InitProducerId aborts the open transaction and asks it to retry.
            Assert.That((await h.InitAsync()).Error, Is.EqualTo(ErrorCode.ConcurrentTransactions));
            await h.SettleAsync();
        }

        Assert.That((h.State()!.State, h.State()!.ProducerEpoch), Is.EqualTo((TransactionState.CompleteAbort, (short)(producer.ProducerEpoch + 1))));
        var marker = h.Markers.Sent.Single();
        Assert.That((marker.Commit, marker.ProducerEpoch, marker.TransactionVersion), Is.EqualTo((false, (short)(producer.ProducerEpoch + 1), (short)2)));
        Assert.That(await h.EndAsync(producer, commit: true), Is.EqualTo(ErrorCode.ProducerFenced));
    }
}
