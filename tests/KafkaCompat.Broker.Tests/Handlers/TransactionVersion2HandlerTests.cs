using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;
using static KafkaCompat.Broker.Tests.Handlers.TransactionHandlerTests;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// Transaction version 2 (KIP-890 part 2) through the handler table, as a Kafka 4.x Java producer
/// speaks it: Produce v12+ and TxnOffsetCommit v5 add their partitions to the transaction without
/// AddPartitionsToTxn or AddOffsetsToTxn, EndTxn v5 answers the epoch of the next transaction, and
/// WriteTxnMarkers v2 markers carry the bumped epoch.
/// </summary>
public class TransactionVersion2HandlerTests
{
    private static async Task<ProduceResponseData.PartitionProduceResponse> ProduceAsync(GroupHarness harness, short version, long producerId, short epoch, int partition, int baseSequence, params string[] values)
    {
        var producer = new InitProducerIdResponseData { ProducerId = producerId, ProducerEpoch = epoch };
        var request = TransactionalProduce(producer, partition, TransactionalBatch(producerId, epoch, baseSequence, harness.Time.NowMs, values));
        if (version >= 13)
        {
            var topic = request.TopicData.Single();
            topic.TopicId = harness.Metadata.Image.Topic(topic.Name)!.Id;
            topic.Name = "";
        }
        var response = await harness.SendAsync<ProduceResponseData>(version, request);
        return response.Responses.Single().PartitionResponses.Single();
    }

    private static Task<EndTxnResponseData> EndV5Async(GroupHarness harness, long producerId, short epoch, bool commit) =>
        harness.SendAsync<EndTxnResponseData>(5, new EndTxnRequestData { TransactionalId = TransactionalId, ProducerId = producerId, ProducerEpoch = epoch, Committed = commit });

    private static TransactionMetadata State(GroupHarness harness) => harness.Transactions.ShardOf(TransactionalId)!.Transaction(TransactionalId)!;

    [TestCase((short)12)]
    [TestCase((short)13)]
    [HandlerVersionTest(ApiKey.Produce, 13)]
    public async Task AProduceOfTransactionVersion2AddsItsPartitionToTheTransactionItself(short version)
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness, version: 5);

        var first = await ProduceAsync(harness, version, producer.ProducerId, producer.ProducerEpoch, 1, 0, "a", "b");
        var again = await ProduceAsync(harness, version, producer.ProducerId, producer.ProducerEpoch, 1, 2, "c");

        Assert.That(((ErrorCode)first.ErrorCode, first.BaseOffset), Is.EqualTo((ErrorCode.None, 0L)), "no AddPartitionsToTxn was sent");
        Assert.That(((ErrorCode)again.ErrorCode, again.BaseOffset), Is.EqualTo((ErrorCode.None, 2L)));
        var state = State(harness);
        Assert.That((state.State, state.ClientTransactionVersion), Is.EqualTo((TransactionState.Ongoing, (short)2)));
        Assert.That(state.Partitions, Is.EquivalentTo(new[] { new TopicPartition("t", 1) }));
        Assert.That(harness.Replicas.GetPartition("t", 1)!.LastStableOffset, Is.Zero, "the open transaction holds the last stable offset");

        // A fenced epoch is refused by the coordinator's add: nothing is appended.
        var fenced = await ProduceAsync(harness, version, producer.ProducerId, (short)(producer.ProducerEpoch - 1), 0, 0, "zombie");
        Assert.That((ErrorCode)fenced.ErrorCode, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(harness.Replicas.GetPartition("t", 0)!.LogEndOffset, Is.Zero);
    }

    [Test]
    [HandlerVersionTest(ApiKey.EndTxn, 5)]
    public async Task EndTxnV5BumpsTheEpochAtEveryEndAndAnswersIt()
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness, version: 5);
        var (id, epoch) = (producer.ProducerId, producer.ProducerEpoch);
        var partition = harness.Replicas.GetPartition("t", 0)!;
        Assert.That((ErrorCode)(await ProduceAsync(harness, 12, id, epoch, 0, 0, "committed")).ErrorCode, Is.EqualTo(ErrorCode.None));

        var committed = await EndV5Async(harness, id, epoch, commit: true);
        await SettleAsync(harness);

        Assert.That(((ErrorCode)committed.ErrorCode, committed.ProducerId, committed.ProducerEpoch), Is.EqualTo((ErrorCode.None, id, (short)(epoch + 1))));
        Assert.That((partition.HighWatermark, partition.LastStableOffset), Is.EqualTo((2L, 2L)), "the record and its COMMIT marker");
        Assert.That(partition.ActiveProducers().Single().ProducerEpoch, Is.EqualTo(epoch + 1), "the marker carries the bumped epoch");
        Assert.That(State(harness).State, Is.EqualTo(TransactionState.CompleteCommit));

        // The next transaction runs at the new epoch, sequences from 0; the old epoch is fenced.
        var zombie = await ProduceAsync(harness, 12, id, epoch, 0, 1, "late");
        var next = await ProduceAsync(harness, 12, id, (short)(epoch + 1), 0, 0, "aborted");
        var aborted = await EndV5Async(harness, id, (short)(epoch + 1), commit: false);
        await SettleAsync(harness);

        Assert.That((ErrorCode)zombie.ErrorCode, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(((ErrorCode)next.ErrorCode, next.BaseOffset), Is.EqualTo((ErrorCode.None, 2L)));
        Assert.That(((ErrorCode)aborted.ErrorCode, aborted.ProducerEpoch), Is.EqualTo((ErrorCode.None, (short)(epoch + 2))));
        var read = partition.Read(0, 1 << 20, FetchIsolation.TxnCommitted, minOneBatch: true);
        Assert.That(read.AbortedTransactions.Select(a => (a.ProducerId, a.FirstOffset)), Is.EqualTo(new[] { (id, 2L) }));

        // A retry of the abort (its answer lost) gets the same answer; the epoch before it is fenced.
        var retried = await EndV5Async(harness, id, (short)(epoch + 1), commit: false);
        var stale = await EndV5Async(harness, id, epoch, commit: false);
        Assert.That(((ErrorCode)retried.ErrorCode, retried.ProducerId, retried.ProducerEpoch), Is.EqualTo((ErrorCode.None, id, (short)(epoch + 2))));
        Assert.That(((ErrorCode)stale.ErrorCode, stale.ProducerId, stale.ProducerEpoch), Is.EqualTo((ErrorCode.ProducerFenced, -1L, (short)-1)));
    }

    [Test]
    [HandlerVersionTest(ApiKey.TxnOffsetCommit, 5)]
    public async Task TxnOffsetCommitV5AddsTheGroupsOffsetsPartitionToTheTransaction()
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness, version: 5);
        var request = new TxnOffsetCommitRequestData
        {
            TransactionalId = TransactionalId,
            GroupId = GroupHarness.Group,
            ProducerId = producer.ProducerId,
            ProducerEpoch = producer.ProducerEpoch,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 42, CommittedLeaderEpoch = -1 }] }],
        };

        var response = await harness.SendAsync<TxnOffsetCommitResponseData>(5, request);

        Assert.That((ErrorCode)response.Topics.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.None), "no AddOffsetsToTxn was sent");
        var offsetsPartition = new TopicPartition(TopicNames.ConsumerOffsets, harness.Coordinator.PartitionFor(GroupHarness.Group));
        Assert.That(State(harness).Partitions, Is.EquivalentTo(new[] { offsetsPartition }));
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(-1L), "pending until the transaction commits");

        var ended = await EndV5Async(harness, producer.ProducerId, producer.ProducerEpoch, commit: true);
        await SettleAsync(harness);

        Assert.That((ErrorCode)ended.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(42L), "the COMMIT marker (at the bumped epoch) reached the offsets partition");

        // A producer the coordinator does not know gets the coordinator's error, not a pending offset.
        request.ProducerId = producer.ProducerId + 100;
        var unknown = await harness.SendAsync<TxnOffsetCommitResponseData>(5, request);
        Assert.That((ErrorCode)unknown.Topics.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.InvalidProducerIdMapping));
    }

    [Test]
    [HandlerVersionTest(ApiKey.WriteTxnMarkers, 2)]
    public async Task AMarkerOfTransactionVersion2MustCarryAnEpochAboveTheProducers()
    {
        await using var harness = NewHarness();
        const long producerId = 4343;
        var t0 = harness.Replicas.GetPartition("t", 0)!;
        Assert.That(t0.AppendAsLeader(TransactionalBatch(producerId, 3, 0, harness.Time.NowMs, "x")).Error, Is.EqualTo(ErrorCode.None));

        async Task<ErrorCode> MarkAsync(short epoch, sbyte transactionVersion)
        {
            var marker = Marker(producerId, epoch, commit: true, ("t", [0]));
            marker.TransactionVersion = transactionVersion;
            var response = await harness.SendAsync<WriteTxnMarkersResponseData>(2, new WriteTxnMarkersRequestData { Markers = [marker] });
            return (ErrorCode)response.Markers.Single().Topics.Single().Partitions.Single().ErrorCode;
        }

        // The transaction's own epoch: a classic marker would be accepted, a version 2 one is stale.
        Assert.That(await MarkAsync(3, 2), Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(t0.LastStableOffset, Is.Zero, "nothing written");
        Assert.That(await MarkAsync(4, 2), Is.EqualTo(ErrorCode.None));
        Assert.That(t0.LastStableOffset, Is.EqualTo(2L));
        // The same marker again, the transaction already ended (a retry after a lost answer): accepted.
        Assert.That(await MarkAsync(4, 2), Is.EqualTo(ErrorCode.None));
        Assert.That(await MarkAsync(3, 0), Is.EqualTo(ErrorCode.InvalidProducerEpoch), "older than the producer's, whatever the version");
    }
}
