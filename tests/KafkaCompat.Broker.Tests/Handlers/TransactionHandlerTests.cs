using System.Text;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Transactions;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Records;
using KafkaCompat.Storage;
using static KafkaCompat.Protocol.Messages.AddPartitionsToTxnRequestData;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// The transaction APIs of the classic flavour (transaction version 0/1, as librdkafka 2.x and
/// kafkajs speak it) through the handler table: FindCoordinator key type 1, transactional
/// InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, WriteTxnMarkers (the coordinator's
/// markers going through it in process), DescribeTransactions and ListTransactions.
/// </summary>
public class TransactionHandlerTests
{
    internal const string TransactionalId = "orders-tx";
    internal const int TimeoutMs = 60_000;

    internal static GroupHarness NewHarness(Dictionary<string, string>? configs = null)
    {
        var all = new Dictionary<string, string> { ["transaction.state.log.num.partitions"] = "3" };
        foreach (var (k, v) in configs ?? [])
        {
            all[k] = v;
        }
        return new GroupHarness(all);
    }

    internal static async Task<InitProducerIdResponseData> InitAsync(GroupHarness harness, short version = 4, string transactionalId = TransactionalId)
    {
        var response = await harness.SendAsync<InitProducerIdResponseData>(version, new InitProducerIdRequestData { TransactionalId = transactionalId, TransactionTimeoutMs = TimeoutMs, ProducerId = -1, ProducerEpoch = -1 });
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None));
        return response;
    }

    internal static async Task<ErrorCode> AddPartitionsAsync(GroupHarness harness, InitProducerIdResponseData producer, short version = 3, string transactionalId = TransactionalId, params int[] partitions)
    {
        var response = await harness.SendAsync<AddPartitionsToTxnResponseData>(version, new AddPartitionsToTxnRequestData
        {
            V3AndBelowTransactionalId = transactionalId,
            V3AndBelowProducerId = producer.ProducerId,
            V3AndBelowProducerEpoch = producer.ProducerEpoch,
            V3AndBelowTopics = [new AddPartitionsToTxnTopic { Name = "t", Partitions = [.. partitions] }],
        });
        return (ErrorCode)response.ResultsByTopicV3AndBelow.Single().ResultsByPartition.Select(p => p.PartitionErrorCode).Distinct().Single();
    }

    internal static Task<EndTxnResponseData> EndAsync(GroupHarness harness, InitProducerIdResponseData producer, bool commit, short version = 3) =>
        harness.SendAsync<EndTxnResponseData>(version, new EndTxnRequestData { TransactionalId = TransactionalId, ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, Committed = commit });

    /// <summary>Lets the coordinator write the markers of an ended transaction and its completion.</summary>
    internal static async Task SettleAsync(GroupHarness harness)
    {
        for (var i = 0; i < 4; i++)
        {
            await harness.Transactions.DrainAsync();
            await Task.Yield();
        }
    }

    /// <summary>A transactional batch of the producer, sequences from <paramref name="baseSequence"/>.</summary>
    internal static byte[] TransactionalBatch(long producerId, short producerEpoch, int baseSequence, long timestamp, params string[] values)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = producerEpoch, BaseSequence = baseSequence, IsTransactional = true };
        foreach (var value in values)
        {
            builder.Append(timestamp, (byte[]?)null, Encoding.UTF8.GetBytes(value));
        }
        return builder.ToArray();
    }

    [TestCase((short)1)]
    [TestCase((short)6)]
    [HandlerVersionTest(ApiKey.FindCoordinator, 6)]
    public async Task FindCoordinatorAnswersThisNodeForATransactionalIdAndCreatesTheTransactionStateTopic(short version)
    {
        await using var harness = NewHarness();
        var request = version >= 4
            ? new FindCoordinatorRequestData { KeyType = 1, CoordinatorKeys = [TransactionalId, ""] }
            : new FindCoordinatorRequestData { KeyType = 1, Key = TransactionalId };

        var response = await harness.SendAsync<FindCoordinatorResponseData>(version, request);

        var (error, nodeId) = version >= 4 ? ((ErrorCode)response.Coordinators[0].ErrorCode, response.Coordinators[0].NodeId) : ((ErrorCode)response.ErrorCode, response.NodeId);
        Assert.That((error, nodeId), Is.EqualTo((ErrorCode.None, harness.Broker.NodeId)));
        Assert.That(harness.Metadata.Image.Topic("__transaction_state")?.Partitions.Length, Is.EqualTo(3), "transaction.state.log.num.partitions");
        if (version >= 4)
        {
            Assert.That((ErrorCode)response.Coordinators[1].ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest), "an empty transactional id");
        }
    }

    [TestCase((short)0)]
    [TestCase((short)3)]
    [TestCase((short)4)]
    [TestCase((short)5)]
    [HandlerVersionTest(ApiKey.InitProducerId, 0)]
    [HandlerVersionTest(ApiKey.InitProducerId, 5)]
    public async Task InitProducerIdWithATransactionalIdBumpsTheEpochAndFencesTheOlderProducer(short version)
    {
        await using var harness = NewHarness();

        var first = await InitAsync(harness, version);
        var second = await InitAsync(harness, version);

        Assert.That((second.ProducerId, first.ProducerEpoch, second.ProducerEpoch), Is.EqualTo((first.ProducerId, (short)0, (short)1)));
        // The older epoch is fenced: PRODUCER_FENCED from AddPartitionsToTxn v2 (KIP-588), INVALID_PRODUCER_EPOCH before.
        Assert.That(await AddPartitionsAsync(harness, first, version: 1, partitions: 0), Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(await AddPartitionsAsync(harness, first, version: 2, partitions: 0), Is.EqualTo(ErrorCode.ProducerFenced));
        Assert.That(await AddPartitionsAsync(harness, second, version: 2, partitions: 0), Is.EqualTo(ErrorCode.None));
    }

    [TestCase((short)0)]
    [TestCase((short)3)]
    [HandlerVersionTest(ApiKey.AddPartitionsToTxn, 0)]
    public async Task AddPartitionsToTxnAddsKnownPartitionsAndRefusesTheWholeRequestForAnUnknownOne(short version)
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);

        var refused = await harness.SendAsync<AddPartitionsToTxnResponseData>(version, new AddPartitionsToTxnRequestData
        {
            V3AndBelowTransactionalId = TransactionalId,
            V3AndBelowProducerId = producer.ProducerId,
            V3AndBelowProducerEpoch = producer.ProducerEpoch,
            V3AndBelowTopics = [new AddPartitionsToTxnTopic { Name = "t", Partitions = [0] }, new AddPartitionsToTxnTopic { Name = "no-such-topic", Partitions = [0] }],
        });
        Assert.That(refused.ResultsByTopicV3AndBelow.SelectMany(t => t.ResultsByPartition.Select(p => (t.Name, (ErrorCode)p.PartitionErrorCode))),
            Is.EquivalentTo(new[] { ("t", ErrorCode.OperationNotAttempted), ("no-such-topic", ErrorCode.UnknownTopicOrPartition) }));
        Assert.That(harness.Transactions.ShardOf(TransactionalId)!.Transaction(TransactionalId)!.Partitions, Is.Empty, "nothing added");

        Assert.That(await AddPartitionsAsync(harness, producer, version, partitions: [0, 2]), Is.EqualTo(ErrorCode.None));
        Assert.That(harness.Transactions.ShardOf(TransactionalId)!.Transaction(TransactionalId)!.Partitions, Is.EquivalentTo(new[] { new TopicPartition("t", 0), new TopicPartition("t", 2) }));
    }

    [TestCase((short)4)]
    [TestCase((short)5)]
    [HandlerVersionTest(ApiKey.AddPartitionsToTxn, 5)]
    public async Task AddPartitionsToTxnV4AddsForOneTransactionAndVerifiesForAnotherInOneBatch(short version)
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);
        var other = await InitAsync(harness, transactionalId: "other-tx");
        Assert.That(await AddPartitionsAsync(harness, other, transactionalId: "other-tx", partitions: 1), Is.EqualTo(ErrorCode.None));

        var response = await harness.SendAsync<AddPartitionsToTxnResponseData>(version, new AddPartitionsToTxnRequestData
        {
            Transactions =
            [
                new AddPartitionsToTxnTransaction
                {
                    TransactionalId = TransactionalId, ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch,
                    Topics = [new AddPartitionsToTxnTopic { Name = "t", Partitions = [0] }],
                },
                new AddPartitionsToTxnTransaction
                {
                    TransactionalId = "other-tx", ProducerId = other.ProducerId, ProducerEpoch = other.ProducerEpoch, VerifyOnly = true,
                    Topics = [new AddPartitionsToTxnTopic { Name = "t", Partitions = [1, 2] }],
                },
            ],
        });

        Assert.That(response.ErrorCode, Is.Zero);
        var results = response.ResultsByTransaction.ToDictionary(r => r.TransactionalId, r => r.TopicResults.Single().ResultsByPartition.ToDictionary(p => p.PartitionIndex, p => (ErrorCode)p.PartitionErrorCode));
        Assert.That(results[TransactionalId], Is.EqualTo(new Dictionary<int, ErrorCode> { [0] = ErrorCode.None }));
        // KIP-890 part 1: t-1 is in other-tx's transaction, t-2 is not; verifying adds nothing.
        Assert.That(results["other-tx"], Is.EqualTo(new Dictionary<int, ErrorCode> { [1] = ErrorCode.None, [2] = ErrorCode.InvalidTxnState }));
        Assert.That(harness.Transactions.ShardOf("other-tx")!.Transaction("other-tx")!.Partitions, Is.EquivalentTo(new[] { new TopicPartition("t", 1) }));
    }

    [TestCase((short)0)]
    [TestCase((short)4)]
    [HandlerVersionTest(ApiKey.AddOffsetsToTxn, 0)]
    [HandlerVersionTest(ApiKey.AddOffsetsToTxn, 4)]
    public async Task AddOffsetsToTxnAddsTheGroupsOffsetsPartitionToTheTransaction(short version)
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);

        var response = await harness.SendAsync<AddOffsetsToTxnResponseData>(version, new AddOffsetsToTxnRequestData
        {
            TransactionalId = TransactionalId, ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, GroupId = GroupHarness.Group,
        });
        var fenced = await harness.SendAsync<AddOffsetsToTxnResponseData>(version, new AddOffsetsToTxnRequestData
        {
            TransactionalId = TransactionalId, ProducerId = producer.ProducerId, ProducerEpoch = (short)(producer.ProducerEpoch - 1), GroupId = GroupHarness.Group,
        });

        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(harness.Transactions.ShardOf(TransactionalId)!.Transaction(TransactionalId)!.Partitions,
            Is.EquivalentTo(new[] { new TopicPartition("__consumer_offsets", harness.Coordinator.PartitionFor(GroupHarness.Group)) }));
        Assert.That((ErrorCode)fenced.ErrorCode, Is.EqualTo(version >= 2 ? ErrorCode.ProducerFenced : ErrorCode.InvalidProducerEpoch));
    }

    [TestCase((short)0, true)]
    [TestCase((short)0, false)]
    [TestCase((short)4, true)]
    [TestCase((short)4, false)]
    [HandlerVersionTest(ApiKey.EndTxn, 0)]
    [HandlerVersionTest(ApiKey.EndTxn, 4)]
    public async Task EndTxnEndsTheTransactionAndItsMarkerReleasesTheLastStableOffset(short version, bool commit)
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, producer, partitions: 0), Is.EqualTo(ErrorCode.None));
        var produced = await ProduceTransactionalAsync(harness, producer, 0, 0, "a", "b");
        Assert.That((ErrorCode)produced.ErrorCode, Is.EqualTo(ErrorCode.None));
        var partition = harness.Replicas.GetPartition("t", 0)!;
        Assert.That((partition.HighWatermark, partition.LastStableOffset), Is.EqualTo((2L, 0L)), "the open transaction holds the last stable offset at its first record");

        var ended = await EndAsync(harness, producer, commit, version);
        await SettleAsync(harness);

        Assert.That((ErrorCode)ended.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That((partition.HighWatermark, partition.LastStableOffset), Is.EqualTo((3L, 3L)), "two records and the marker");
        Assert.That(harness.Transactions.ShardOf(TransactionalId)!.Transaction(TransactionalId)!.State, Is.EqualTo(commit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort));
        var read = partition.Read(0, 1 << 20, FetchIsolation.TxnCommitted, minOneBatch: true);
        Assert.That(read.AbortedTransactions.Select(a => (a.ProducerId, a.FirstOffset)), commit ? Is.Empty : Is.EqualTo(new[] { (producer.ProducerId, 0L) }));

        // The epoch before the current one is fenced: INVALID_PRODUCER_EPOCH before v2 (KIP-588).
        var bumped = await InitAsync(harness);
        Assert.That(bumped.ProducerEpoch, Is.EqualTo(producer.ProducerEpoch + 1));
        var fenced = await EndAsync(harness, producer, commit, version);
        Assert.That((ErrorCode)fenced.ErrorCode, Is.EqualTo(version >= 2 ? ErrorCode.ProducerFenced : ErrorCode.InvalidProducerEpoch));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [HandlerVersionTest(ApiKey.WriteTxnMarkers, 0)]
    [HandlerVersionTest(ApiKey.WriteTxnMarkers, 1)]
    public async Task WriteTxnMarkersAppendsTheMarkerAndAnswersKafkasErrorsPerPartition(short version)
    {
        await using var harness = NewHarness();
        const long producerId = 4242;
        var t0 = harness.Replicas.GetPartition("t", 0)!;
        var t1 = harness.Replicas.GetPartition("t", 1)!;
        Assert.That(t0.AppendAsLeader(TransactionalBatch(producerId, 3, 0, harness.Time.NowMs, "x", "y")).Error, Is.EqualTo(ErrorCode.None));
        Assert.That(t1.AppendAsLeader(TransactionalBatch(producerId, 3, 0, harness.Time.NowMs, "z")).Error, Is.EqualTo(ErrorCode.None));

        var response = await harness.SendAsync<WriteTxnMarkersResponseData>(version, new WriteTxnMarkersRequestData
        {
            Markers =
            [
                Marker(producerId, 3, commit: true, ("t", [0]), ("t", [7]), ("no-such-topic", [0])),
                // An epoch older than the producer's: a zombie coordinator's marker.
                Marker(producerId, 2, commit: false, ("t", [1])),
            ],
        });

        Assert.That(response.Markers.Select(m => m.ProducerId), Is.EqualTo(new[] { producerId, producerId }));
        Assert.That(response.Markers[0].Topics.Select(t => (t.Name, t.Partitions.Single().PartitionIndex, (ErrorCode)t.Partitions.Single().ErrorCode)), Is.EqualTo(new[]
        {
            ("t", 0, ErrorCode.None),
            ("t", 7, ErrorCode.UnknownTopicOrPartition),
            ("no-such-topic", 0, ErrorCode.UnknownTopicOrPartition),
        }));
        Assert.That((ErrorCode)response.Markers[1].Topics.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That((t0.HighWatermark, t0.LastStableOffset), Is.EqualTo((3L, 3L)), "the commit marker ended the transaction on t-0");
        Assert.That((t1.HighWatermark, t1.LastStableOffset), Is.EqualTo((1L, 0L)), "nothing was written to t-1, whose transaction stays open");
    }

    [Test]
    [HandlerVersionTest(ApiKey.DescribeTransactions, 0)]
    public async Task DescribeTransactionsShowsTheOpenTransactionAndNotFoundForAnUnknownId()
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, producer, partitions: [2, 0]), Is.EqualTo(ErrorCode.None));

        var response = await harness.SendAsync<DescribeTransactionsResponseData>(0, new DescribeTransactionsRequestData { TransactionalIds = [TransactionalId, "never-seen"] });

        var open = response.TransactionStates[0];
        Assert.That((open.ErrorCode, open.TransactionalId, open.TransactionState, open.TransactionTimeoutMs, open.ProducerId, open.ProducerEpoch),
            Is.EqualTo(((short)0, TransactionalId, "Ongoing", TimeoutMs, producer.ProducerId, producer.ProducerEpoch)));
        Assert.That(open.TransactionStartTimeMs, Is.EqualTo(harness.Time.NowMs));
        Assert.That(open.Topics.Select(t => (t.Topic, t.Partitions.ToArray())), Is.EqualTo(new[] { ("t", new[] { 0, 2 }) }));
        Assert.That((response.TransactionStates[1].TransactionalId, (ErrorCode)response.TransactionStates[1].ErrorCode), Is.EqualTo(("never-seen", ErrorCode.TransactionalIdNotFound)));
    }

    [TestCase((short)0)]
    [TestCase((short)1)]
    [TestCase((short)2)]
    [HandlerVersionTest(ApiKey.ListTransactions, 0)]
    [HandlerVersionTest(ApiKey.ListTransactions, 1)]
    public async Task ListTransactionsFiltersByStateProducerIdAndFromV1Duration(short version)
    {
        await using var harness = NewHarness();
        var ongoing = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, ongoing, partitions: 0), Is.EqualTo(ErrorCode.None));
        var idle = await InitAsync(harness, transactionalId: "idle-tx");
        await harness.AdvanceAsync(10_000);

        var all = await harness.SendAsync<ListTransactionsResponseData>(version, new ListTransactionsRequestData());
        var byState = await harness.SendAsync<ListTransactionsResponseData>(version, new ListTransactionsRequestData { StateFilters = ["Ongoing", "NoSuchState"] });
        var byProducer = await harness.SendAsync<ListTransactionsResponseData>(version, new ListTransactionsRequestData { ProducerIdFilters = [idle.ProducerId] });

        Assert.That(all.TransactionStates.Select(t => (t.TransactionalId, t.ProducerId, t.TransactionState)),
            Is.EquivalentTo(new[] { (TransactionalId, ongoing.ProducerId, "Ongoing"), ("idle-tx", idle.ProducerId, "Empty") }));
        Assert.That(byState.TransactionStates.Select(t => t.TransactionalId), Is.EqualTo(new[] { TransactionalId }));
        Assert.That(byState.UnknownStateFilters, Is.EqualTo(new[] { "NoSuchState" }));
        Assert.That(byProducer.TransactionStates.Select(t => t.TransactionalId), Is.EqualTo(new[] { "idle-tx" }));
        if (version >= 1)
        {
            // KIP-994: only transactions running longer than the filter; the ongoing one started 10 s ago.
            var longer = await harness.SendAsync<ListTransactionsResponseData>(version, new ListTransactionsRequestData { StateFilters = ["Ongoing"], DurationFilter = 5_000 });
            var shorter = await harness.SendAsync<ListTransactionsResponseData>(version, new ListTransactionsRequestData { StateFilters = ["Ongoing"], DurationFilter = 60_000 });
            Assert.That(longer.TransactionStates.Select(t => t.TransactionalId), Is.EqualTo(new[] { TransactionalId }));
            Assert.That(shorter.TransactionStates, Is.Empty);
        }
    }

    [TestCase((short)2)]
    [HandlerVersionTest(ApiKey.ListTransactions, 2)]
    public async Task ListTransactionsV2ListsTheIdsTheWholePatternMatchesAndRefusesAnInvalidPattern(short version)
    {
        await using var harness = NewHarness();
        var ongoing = await InitAsync(harness, transactionalId: "orders-eu");
        Assert.That(await AddPartitionsAsync(harness, ongoing, transactionalId: "orders-eu", partitions: 0), Is.EqualTo(ErrorCode.None));
        await InitAsync(harness, transactionalId: "orders-us");
        await InitAsync(harness, transactionalId: "my-orders-eu");
        await InitAsync(harness, transactionalId: "payments");
        async Task<(ErrorCode Error, string[] Ids)> ListAsync(string? pattern, params string[] states)
        {
            var response = await harness.SendAsync<ListTransactionsResponseData>(version, new ListTransactionsRequestData { TransactionalIdPattern = pattern, StateFilters = [.. states] });
            return ((ErrorCode)response.ErrorCode, [.. response.TransactionStates.Select(t => t.TransactionalId).Order(StringComparer.Ordinal)]);
        }

        string[] everyId = ["my-orders-eu", "orders-eu", "orders-us", "payments"];
        Assert.That(await ListAsync(null), Is.EqualTo((ErrorCode.None, everyId)), "null: no pattern filter");
        Assert.That(await ListAsync(""), Is.EqualTo((ErrorCode.None, everyId)), "empty: no pattern filter");
        Assert.That(await ListAsync("orders-.*"), Is.EqualTo((ErrorCode.None, new[] { "orders-eu", "orders-us" })), "the whole id must match, not a part of it");
        Assert.That(await ListAsync("orders"), Is.EqualTo((ErrorCode.None, Array.Empty<string>())), "a pattern matching inside an id does not list it");
        Assert.That(await ListAsync(".*orders-(eu|us)"), Is.EqualTo((ErrorCode.None, new[] { "my-orders-eu", "orders-eu", "orders-us" })));
        Assert.That(await ListAsync("orders-.*", "Ongoing"), Is.EqualTo((ErrorCode.None, new[] { "orders-eu" })), "AND with the state filter");

        // Malformed, and what RE2/J has no syntax for: Kafka answers INVALID_REGULAR_EXPRESSION and lists nothing.
        foreach (var invalid in new[] { "(ab(cd", "orders-[", "a)(b", "(orders)-\\1", "orders(?=-eu)", "(?<=my-)orders.*", "(?!pay).*", "(?>orders).*" })
        {
            Assert.That(await ListAsync(invalid), Is.EqualTo((ErrorCode.InvalidRegularExpression, Array.Empty<string>())), invalid);
        }
    }

    /// <summary>
    /// A topic deleted while a transaction holds one of its partitions: the marker path (WriteTxnMarkers
    /// in process) answers UNKNOWN_TOPIC_OR_PARTITION for it, which the coordinator drops as Kafka does,
    /// so the commit completes instead of retrying that marker forever.
    /// </summary>
    [Test]
    public async Task ATransactionOverADeletedTopicCompletesWithoutItsMarker()
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness);
        Assert.That(await AddPartitionsAsync(harness, producer, partitions: 0), Is.EqualTo(ErrorCode.None));
        var deleted = await harness.SendAsync<DeleteTopicsResponseData>(5, new DeleteTopicsRequestData { TopicNames = ["t"], TimeoutMs = 30_000 });
        Assert.That(deleted.Responses.Single().ErrorCode, Is.Zero);

        Assert.That((ErrorCode)(await EndAsync(harness, producer, commit: true)).ErrorCode, Is.EqualTo(ErrorCode.None));
        await SettleAsync(harness);
        await harness.AdvanceAsync(1_000);

        Assert.That(harness.Transactions.ShardOf(TransactionalId)!.Transaction(TransactionalId)!.State, Is.EqualTo(TransactionState.CompleteCommit));
    }

    /// <summary>
    /// EndTxn(commit) from a producer whose transaction the coordinator aborted on its timeout (which
    /// bumps the epoch to fence it): Kafka's coordinator answers PRODUCER_FENCED, which EndTxn v0-1 gets
    /// as INVALID_PRODUCER_EPOCH (KIP-588). A producer of transaction version 2 (EndTxn v5) is fenced
    /// too, never told its commit is an invalid state (KAFKA-20785: that would be fatal to it).
    /// </summary>
    [TestCase((short)0)]
    [TestCase((short)1)]
    [TestCase((short)2)]
    [TestCase((short)4)]
    [TestCase((short)5)]
    public async Task EndTxnCommitAfterTheCoordinatorAbortedTheTransactionOnItsTimeoutIsFenced(short version)
    {
        await using var harness = NewHarness();
        var producer = await InitAsync(harness, version: version >= 5 ? (short)5 : (short)4);
        var added = version >= 5
            ? await harness.Transactions.AddPartitionsAsync(TransactionalId, producer.ProducerId, producer.ProducerEpoch, [new TopicPartition("t", 0)], TransactionMetadata.TransactionVersion2)
            : await AddPartitionsAsync(harness, producer, partitions: 0);
        Assert.That(added, Is.EqualTo(ErrorCode.None));

        // Past transaction.timeout.ms, at the next transaction.abort.timed.out.transaction.cleanup.interval.ms check.
        await harness.AdvanceAsync(TimeoutMs + 10_000);
        await SettleAsync(harness);
        var state = harness.Transactions.ShardOf(TransactionalId)!.Transaction(TransactionalId)!;
        Assert.That((state.State, state.ProducerEpoch > producer.ProducerEpoch), Is.EqualTo((TransactionState.CompleteAbort, true)), "aborted by the coordinator under a bumped epoch");

        var ended = await EndAsync(harness, producer, commit: true, version);

        Assert.That((ErrorCode)ended.ErrorCode, Is.EqualTo(version >= 2 ? ErrorCode.ProducerFenced : ErrorCode.InvalidProducerEpoch));
    }

    internal static async Task<ProduceResponseData.PartitionProduceResponse> ProduceTransactionalAsync(GroupHarness harness, InitProducerIdResponseData producer, int partition, int baseSequence,
        params string[] values)
    {
        var response = await harness.SendAsync<ProduceResponseData>(9, TransactionalProduce(producer, partition, TransactionalBatch(producer.ProducerId, producer.ProducerEpoch, baseSequence, harness.Time.NowMs, values)));
        return response.Responses.Single().PartitionResponses.Single();
    }

    internal static ProduceRequestData TransactionalProduce(InitProducerIdResponseData producer, int partition, byte[] batch, string transactionalId = TransactionalId) => new()
    {
        TransactionalId = transactionalId,
        Acks = -1,
        TimeoutMs = 30_000,
        TopicData = [new ProduceRequestData.TopicProduceData { Name = "t", PartitionData = [new ProduceRequestData.PartitionProduceData { Index = partition, Records = batch }] }],
    };

    internal static WriteTxnMarkersRequestData.WritableTxnMarker Marker(long producerId, short epoch, bool commit, params (string Topic, int[] Partitions)[] topics) => new()
    {
        ProducerId = producerId,
        ProducerEpoch = epoch,
        TransactionResult = commit,
        CoordinatorEpoch = 0,
        Topics = [.. topics.Select(t => new WriteTxnMarkersRequestData.WritableTxnMarkerTopic { Name = t.Topic, PartitionIndexes = [.. t.Partitions] })],
    };
}
