using KafkaCompat.Broker.Handlers;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Network;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using static KafkaCompat.Broker.Tests.Handlers.TransactionHandlerTests;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// Transactional Produce with KIP-890 part 1 verification (transaction.partition.verification.enable,
/// on by default in Kafka 4.x): a batch that would open a transaction on a partition the
/// transaction coordinator does not have in the producer's transaction is refused.
/// </summary>
public class TransactionalProduceHandlerTests
{
    private static ProduceRequestData ForVersion(GroupHarness harness, short version, ProduceRequestData request)
    {
        if (version >= 13)
        {
            var topic = request.TopicData.Single();
            topic.TopicId = harness.Metadata.Image.Topic(topic.Name)!.Id;
            topic.Name = "";
        }
        return request;
    }

    private static async Task<ProduceResponseData.PartitionProduceResponse> ProduceAsync(GroupHarness harness, short version, InitProducerIdResponseData producer, int partition, int baseSequence,
        params string[] values)
    {
        var batch = TransactionalBatch(producer.ProducerId, producer.ProducerEpoch, baseSequence, harness.Time.NowMs, values);
        var response = await harness.SendAsync<ProduceResponseData>(version, ForVersion(harness, version, TransactionalProduce(producer, partition, batch)));
        return response.Responses.Single().PartitionResponses.Single();
    }

    [TestCase((short)3)]
    [TestCase((short)10)]
    [TestCase((short)11)]
    [HandlerVersionTest(ApiKey.Produce, 3)]
    public async Task ABatchForAPartitionNotInTheTransactionIsInvalidTxnStateAndNotAppended(short version)
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, producer, partitions: 0), Is.EqualTo(ErrorCode.None));

        var notAdded = await ProduceAsync(harness, version, producer, 1, 0, "stray");
        var added = await ProduceAsync(harness, version, producer, 0, 0, "a", "b");

        Assert.That(((ErrorCode)notAdded.ErrorCode, notAdded.BaseOffset), Is.EqualTo((ErrorCode.InvalidTxnState, -1L)));
        Assert.That(harness.Replicas.GetPartition("t", 1)!.LogEndOffset, Is.Zero, "nothing appended to t-1");
        Assert.That(((ErrorCode)added.ErrorCode, added.BaseOffset), Is.EqualTo((ErrorCode.None, 0L)));
    }

    [Test]
    public async Task TheNextTransactionMustAddThePartitionAgainBeforeWritingToIt()
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, producer, partitions: 0), Is.EqualTo(ErrorCode.None));
        Assert.That((ErrorCode)(await ProduceAsync(harness, 9, producer, 0, 0, "first")).ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That((ErrorCode)(await EndAsync(harness, producer, commit: true)).ErrorCode, Is.EqualTo(ErrorCode.None));
        await SettleAsync(harness);

        var withoutAdding = await ProduceAsync(harness, 9, producer, 0, 1, "late");
        Assert.That(await AddPartitionsAsync(harness, producer, partitions: 0), Is.EqualTo(ErrorCode.None));
        var afterAdding = await ProduceAsync(harness, 9, producer, 0, 1, "second");

        Assert.That((ErrorCode)withoutAdding.ErrorCode, Is.EqualTo(ErrorCode.InvalidTxnState));
        // first (0), its COMMIT marker (1), second (2).
        Assert.That(((ErrorCode)afterAdding.ErrorCode, afterAdding.BaseOffset), Is.EqualTo((ErrorCode.None, 2L)));
    }

    [Test]
    public async Task WithVerificationDisabledABatchOpensATransactionOnAPartitionNeverAdded()
    {
        await using var harness = NewHarness(new() { ["transaction.partition.verification.enable"] = "false" });
        var producer = await InitAsync(harness);

        var response = await ProduceAsync(harness, 9, producer, 1, 0, "unverified");

        // Kafka before KIP-890 (and with the config off): the partition leader does not ask the coordinator.
        Assert.That(((ErrorCode)response.ErrorCode, response.BaseOffset), Is.EqualTo((ErrorCode.None, 0L)));
        Assert.That(harness.Replicas.GetPartition("t", 1)!.LastStableOffset, Is.Zero, "an open transaction nobody added");
    }

    [Test]
    public async Task AFencedProducersBatchIsInvalidProducerEpoch()
    {
        await using var harness = NewHarness();
        var zombie = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, zombie, partitions: 0), Is.EqualTo(ErrorCode.None));
        // The new producer's InitProducerId aborts the zombie's open transaction first (retried, as clients do).
        var fencing = await harness.SendAsync<InitProducerIdResponseData>(4, new InitProducerIdRequestData { TransactionalId = TransactionalId, TransactionTimeoutMs = TimeoutMs, ProducerId = -1, ProducerEpoch = -1 });
        Assert.That((ErrorCode)fencing.ErrorCode, Is.EqualTo(ErrorCode.ConcurrentTransactions));
        await SettleAsync(harness);
        await InitAsync(harness);

        var response = await ProduceAsync(harness, 9, zombie, 0, 0, "zombie");

        // The coordinator answers PRODUCER_FENCED; a partition leader reports it as INVALID_PRODUCER_EPOCH.
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        var partition = harness.Replicas.GetPartition("t", 0)!;
        Assert.That((partition.LogEndOffset, partition.LastStableOffset), Is.EqualTo((1L, 1L)), "the ABORT marker of the fenced transaction alone: no record, nothing open");
    }

    [Test]
    public async Task AProduceWaitingForItsVerificationIsAppendedBeforeTheNextRequestOfItsConnection()
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, producer, partitions: 0), Is.EqualTo(ErrorCode.None));
        var handler = harness.Handlers.Find((short)ApiKey.Produce)!;
        var session = new ConnectionSession("c1", HandlerRequest.Listener, "PLAINTEXT", "127.0.0.1:50000");
        var context = new RequestContext(new RequestHeaderData { RequestApiKey = (short)ApiKey.Produce, RequestApiVersion = 9, ClientId = "pipelining" }, session);
        // The coordinator is busy: the first request's verification cannot complete yet.
        using var busy = new ManualResetEventSlim();
        var blocked = harness.Transactions.ShardOf(TransactionalId)!.Executor.Submit(() => busy.Wait(TimeSpan.FromSeconds(30)));

        var first = handler.HandleAsync(context, TransactionalProduce(producer, 0, TransactionalBatch(producer.ProducerId, producer.ProducerEpoch, 0, harness.Time.NowMs, "first")), CancellationToken.None).AsTask();
        var plain = new ProduceRequestData
        {
            Acks = -1, TimeoutMs = 30_000,
            TopicData = [new ProduceRequestData.TopicProduceData { Name = "t", PartitionData = [new ProduceRequestData.PartitionProduceData { Index = 0, Records = ReplicaHarness.Batch(harness.Time.NowMs, "second") }] }],
        };
        var second = handler.HandleAsync(context, plain, CancellationToken.None).AsTask();
        busy.Set();
        await blocked;

        static long BaseOffset(ApiResponse? response) => ((ProduceResponseData)response!.Body).Responses.Single().PartitionResponses.Single().BaseOffset;
        Assert.That((BaseOffset(await first), BaseOffset(await second)), Is.EqualTo((0L, 1L)), "appended in request order");
    }

    [Test]
    public void AMarkerWrittenWhileAVerificationIsUnderWayMakesItsAppendInvalidTxnState()
    {
        using var replica = new ReplicaHarness(new FakeTime());
        var partition = replica.Partition();
        const long producerId = 77;
        var guard = partition.MaybeStartTransactionVerification(producerId, 0);
        Assert.That(guard, Is.Not.Null, "no transaction open: verify first");

        // The coordinator ends the transaction before the verified batch arrives (KIP-890's hanging transaction).
        Assert.That(partition.AppendEndTxnMarker(producerId, 0, 0, commit: false).Error, Is.EqualTo(ErrorCode.None));
        var late = Append(partition, TransactionalBatch(producerId, 0, 0, 0, "late"), guard!);

        Assert.That(late.Error, Is.EqualTo(ErrorCode.InvalidTxnState));
        Assert.That(partition.LastStableOffset, Is.EqualTo(partition.HighWatermark), "no transaction left open");
    }

    /// <summary>
    /// Transaction version 2 bumps the epoch at every end, and the next transaction's first batch can
    /// reach a partition before the previous one's marker: the open transaction at the old epoch is not
    /// the new one's, so the new batch goes to the coordinator (which holds it off until the marker).
    /// </summary>
    [Test]
    public void ATransactionOpenAtAnOlderEpochDoesNotSpareTheNextEpochItsVerification()
    {
        using var replica = new ReplicaHarness(new FakeTime());
        var partition = replica.Partition();
        const long producerId = 79;
        var guard = partition.MaybeStartTransactionVerification(producerId, 0)!;
        Assert.That(Append(partition, TransactionalBatch(producerId, 0, 0, 0, "a"), guard).Error, Is.EqualTo(ErrorCode.None));

        Assert.That(partition.MaybeStartTransactionVerification(producerId, 0), Is.Null, "epoch 0 continues its open transaction");
        var next = partition.MaybeStartTransactionVerification(producerId, 1);
        Assert.That(next, Is.Not.Null, "epoch 1 starts a transaction of its own: verify (add) first");
        Assert.That(Append(partition, TransactionalBatch(producerId, 1, 0, 0, "b"), TransactionVerificationGuard.Sentinel).Error, Is.EqualTo(ErrorCode.InvalidTxnState),
            "without its verification, epoch 1 cannot write into epoch 0's open transaction");
    }

    [Test]
    public void AVerifiedAppendOpensTheTransactionAndTheSentinelMayOnlyContinueIt()
    {
        using var replica = new ReplicaHarness(new FakeTime());
        var partition = replica.Partition();
        const long producerId = 78;

        var unverified = Append(partition, TransactionalBatch(producerId, 0, 0, 0, "a"), TransactionVerificationGuard.Sentinel);
        var guard = partition.MaybeStartTransactionVerification(producerId, 0)!;
        var verified = Append(partition, TransactionalBatch(producerId, 0, 0, 0, "a"), guard);
        var next = partition.MaybeStartTransactionVerification(producerId, 0);
        var continued = Append(partition, TransactionalBatch(producerId, 0, 1, 0, "b"), TransactionVerificationGuard.Sentinel);

        Assert.That(unverified.Error, Is.EqualTo(ErrorCode.InvalidTxnState));
        Assert.That((verified.Error, verified.FirstOffset), Is.EqualTo((ErrorCode.None, 0L)));
        Assert.That(next, Is.Null, "the transaction is open here: nothing to verify");
        Assert.That((continued.Error, continued.FirstOffset), Is.EqualTo((ErrorCode.None, 1L)));
    }

    // Kafka's translation of the coordinator's verification errors for producers (AddPartitionsToTxnManager, ReplicaManager).
    [TestCase(ErrorCode.InvalidTxnState, (short)9, ErrorCode.InvalidTxnState)]
    [TestCase(ErrorCode.ProducerFenced, (short)9, ErrorCode.InvalidProducerEpoch)]
    [TestCase(ErrorCode.TransactionAbortable, (short)10, ErrorCode.InvalidTxnState)]
    [TestCase(ErrorCode.TransactionAbortable, (short)11, ErrorCode.TransactionAbortable)]
    [TestCase(ErrorCode.ConcurrentTransactions, (short)9, ErrorCode.NotEnoughReplicas)]
    [TestCase(ErrorCode.ConcurrentTransactions, (short)12, ErrorCode.NotEnoughReplicas)]
    [TestCase(ErrorCode.CoordinatorLoadInProgress, (short)9, ErrorCode.NotEnoughReplicas)]
    [TestCase(ErrorCode.NotCoordinator, (short)13, ErrorCode.NotEnoughReplicas)]
    [TestCase(ErrorCode.CoordinatorNotAvailable, (short)3, ErrorCode.NotEnoughReplicas)]
    [TestCase(ErrorCode.InvalidProducerIdMapping, (short)9, ErrorCode.InvalidProducerIdMapping)]
    public void CoordinatorErrorsBecomeWhatProducersHandle(ErrorCode coordinator, short version, ErrorCode expected) =>
        Assert.That(VerificationErrors.ForProduce(coordinator, version).Error, Is.EqualTo(expected));

    private static Storage.LogAppendResult Append(Partition partition, byte[] batch, TransactionVerificationGuard guard)
    {
        var info = default(Storage.LogAppendInfo);
        foreach (var b in new Records.RecordBatchSet(batch))
        {
            Assert.That(info.TryAdd(b.Span, partition.Config, out _), Is.True);
        }
        return partition.AppendAsLeader(batch, info, guard);
    }
}
