using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Replication;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// TxnOffsetCommit, and OffsetFetch's require_stable over what it left pending. Most use a producer
/// the transaction coordinator does not know, with KIP-890 verification off
/// (transaction.partition.verification.enable=false, as a Kafka broker can be configured), to test the
/// group's side alone; so they stop at v4: v5 (transaction version 2) first adds the offsets partition
/// to the producer's transaction (TransactionVersion2HandlerTests). The verification itself is tested
/// with real transactions.
/// </summary>
public class TxnOffsetCommitHandlerTests
{
    private const string Group = GroupHarness.Group;
    private const long Producer = 7000;

    private static GroupHarness Unverified() => new(new Dictionary<string, string> { ["transaction.partition.verification.enable"] = "false" });

    private static TxnOffsetCommitRequestData Request(short version, string groupId, int generation, string memberId, params (string Topic, int Partition, long Offset)[] offsets)
    {
        var request = new TxnOffsetCommitRequestData { TransactionalId = "tx-1", GroupId = groupId, ProducerId = Producer, ProducerEpoch = 2 };
        if (version >= 3)
        {
            request.GenerationId = generation;
            request.MemberId = memberId;
        }
        foreach (var byTopic in offsets.GroupBy(o => o.Topic))
        {
            request.Topics.Add(new()
            {
                Name = byTopic.Key,
                Partitions = [.. byTopic.Select(o => new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition
                {
                    PartitionIndex = o.Partition,
                    CommittedOffset = o.Offset,
                    CommittedLeaderEpoch = version >= 2 ? 4 : -1,
                    CommittedMetadata = $"at {o.Offset}",
                })],
            });
        }
        return request;
    }

    private static IEnumerable<(string, int, ErrorCode)> Errors(TxnOffsetCommitResponseData response) =>
        response.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p.PartitionIndex, (ErrorCode)p.ErrorCode)));

    private static async Task<IReadOnlyList<(int Partition, long Offset, int LeaderEpoch, ErrorCode Error)>> FetchStableAsync(GroupHarness harness, short version)
    {
        var request = new OffsetFetchRequestData { RequireStable = true };
        if (version >= 8)
        {
            request.Groups = [new() { GroupId = Group, Topics = [new() { Name = "t", PartitionIndexes = [0, 1] }] }];
            var group = (await harness.SendAsync<OffsetFetchResponseData>(version, request)).Groups.Single();
            Assert.That(group.ErrorCode, Is.Zero, "UNSTABLE_OFFSET_COMMIT is a partition's error");
            return [.. group.Topics.Single().Partitions.Select(p => (p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, (ErrorCode)p.ErrorCode))];
        }
        request.GroupId = Group;
        request.Topics = [new() { Name = "t", PartitionIndexes = [0, 1] }];
        var response = await harness.SendAsync<OffsetFetchResponseData>(version, request);
        Assert.That(response.ErrorCode, Is.Zero, "UNSTABLE_OFFSET_COMMIT is a partition's error");
        return [.. response.Topics.Single().Partitions.Select(p => (p.PartitionIndex, p.CommittedOffset, p.CommittedLeaderEpoch, (ErrorCode)p.ErrorCode))];
    }

    [TestCase((short)0)]
    [TestCase((short)4)]
    [HandlerVersionTest(ApiKey.TxnOffsetCommit, 0)]
    public async Task TxnOffsetCommitLeavesOffsetsPendingUntilTheCommitMarker(short version)
    {
        await using var harness = Unverified();

        var response = await harness.SendAsync<TxnOffsetCommitResponseData>(version, Request(version, Group, -1, "", ("t", 0, 42), ("t", 9, 1)));

        Assert.That(Errors(response), Is.EqualTo(new[] { ("t", 0, ErrorCode.None), ("t", 9, ErrorCode.UnknownTopicOrPartition) }));
        Assert.That(await FetchStableAsync(harness, 7), Is.EqualTo(new[] { (0, -1L, -1, ErrorCode.UnstableOffsetCommit), (1, -1L, -1, ErrorCode.None) }));
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(-1L), "not visible before the marker");

        var marker = await harness.Coordinator.CompleteTransactionAsync(
            new TopicPartition(TopicNames.ConsumerOffsets, harness.Coordinator.PartitionFor(Group)), Producer, 2, coordinatorEpoch: 0, commit: true);

        Assert.That(marker, Is.EqualTo(ErrorCode.None));
        Assert.That(await FetchStableAsync(harness, 7), Is.EqualTo(new[] { (0, 42L, version >= 2 ? 4 : -1, ErrorCode.None), (1, -1L, -1, ErrorCode.None) }));
    }

    [TestCase((short)3)]
    [TestCase((short)4)]
    public async Task TxnOffsetCommitFromAMemberMustCarryItsGeneration(short version)
    {
        await using var harness = Unverified();
        var member = await harness.StableSingleMemberAsync();

        var stale = await harness.SendAsync<TxnOffsetCommitResponseData>(version, Request(version, Group, 2, member, ("t", 0, 5)));
        var unknown = await harness.SendAsync<TxnOffsetCommitResponseData>(version, Request(version, Group, 1, "ghost", ("t", 0, 5)));
        var current = await harness.SendAsync<TxnOffsetCommitResponseData>(version, Request(version, Group, 1, member, ("t", 0, 6)));
        var noGroupId = await harness.SendAsync<TxnOffsetCommitResponseData>(version, Request(version, "", -1, "", ("t", 0, 6)));

        Assert.That(Errors(stale).Single().Item3, Is.EqualTo(ErrorCode.IllegalGeneration));
        Assert.That(Errors(unknown).Single().Item3, Is.EqualTo(ErrorCode.UnknownMemberId));
        Assert.That(Errors(current).Single().Item3, Is.EqualTo(ErrorCode.None));
        Assert.That(Errors(noGroupId).Single().Item3, Is.EqualTo(ErrorCode.InvalidGroupId));
    }

    /// <summary>
    /// KIP-890 part 1 for offsets: the producer's transaction is open (a partition of "t" was added) but it
    /// never called AddOffsetsToTxn, so the group's offsets partition is not in it. Kafka's group
    /// coordinator asks the transaction coordinator first and refuses the commit: nothing is written,
    /// so no offset is left pending. After AddOffsetsToTxn the same commit goes through.
    /// </summary>
    [TestCase((short)0)]
    [TestCase((short)3)]
    [TestCase((short)4)]
    public async Task ACommitForATransactionWithoutAddOffsetsToTxnIsRefusedAndLeavesNothingPending(short version)
    {
        await using var harness = TransactionHandlerTests.NewHarness();
        var producer = await TransactionHandlerTests.InitAsync(harness);
        Assert.That(await TransactionHandlerTests.AddPartitionsAsync(harness, producer, partitions: 0), Is.EqualTo(ErrorCode.None));
        var request = Request(version, Group, -1, "", ("t", 0, 42), ("t", 1, 43));
        (request.TransactionalId, request.ProducerId, request.ProducerEpoch) = (TransactionHandlerTests.TransactionalId, producer.ProducerId, producer.ProducerEpoch);
        // As a producer finds the group's coordinator first, which creates __consumer_offsets.
        var found = await harness.SendAsync<FindCoordinatorResponseData>(4, new FindCoordinatorRequestData { KeyType = 0, CoordinatorKeys = [Group] });
        Assert.That(found.Coordinators.Single().ErrorCode, Is.Zero);
        var offsetsPartition = harness.Replicas.GetPartition(TopicNames.ConsumerOffsets, harness.Coordinator.PartitionFor(Group))!;
        var logEnd = offsetsPartition.LogEndOffset;

        var refused = await harness.SendAsync<TxnOffsetCommitResponseData>(version, request);

        Assert.That(Errors(refused), Is.EqualTo(new[] { ("t", 0, ErrorCode.InvalidTxnState), ("t", 1, ErrorCode.InvalidTxnState) }));
        Assert.That(offsetsPartition.LogEndOffset, Is.EqualTo(logEnd), "nothing written to __consumer_offsets");
        Assert.That(await FetchStableAsync(harness, 7), Is.EqualTo(new[] { (0, -1L, -1, ErrorCode.None), (1, -1L, -1, ErrorCode.None) }), "no pending offset");

        var added = await harness.SendAsync<AddOffsetsToTxnResponseData>(3, new AddOffsetsToTxnRequestData
        {
            TransactionalId = TransactionHandlerTests.TransactionalId, ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, GroupId = Group,
        });
        Assert.That((ErrorCode)added.ErrorCode, Is.EqualTo(ErrorCode.None));
        var accepted = await harness.SendAsync<TxnOffsetCommitResponseData>(version, request);
        Assert.That(Errors(accepted), Is.EqualTo(new[] { ("t", 0, ErrorCode.None), ("t", 1, ErrorCode.None) }));
        Assert.That((await FetchStableAsync(harness, 7)).Select(p => p.Error), Is.EqualTo(new[] { ErrorCode.UnstableOffsetCommit, ErrorCode.UnstableOffsetCommit }));
        Assert.That((ErrorCode)(await TransactionHandlerTests.EndAsync(harness, producer, commit: true)).ErrorCode, Is.EqualTo(ErrorCode.None));
        await TransactionHandlerTests.SettleAsync(harness);
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(42L));
    }

    /// <summary>
    /// A producer fenced by a newer InitProducerId: the transaction coordinator answers PRODUCER_FENCED,
    /// which the offsets partition's leader reports as INVALID_PRODUCER_EPOCH (what producers expect from
    /// a leader), and the zombie's offsets are never written.
    /// </summary>
    [TestCase((short)2)]
    [TestCase((short)4)]
    public async Task AFencedProducersCommitIsRefusedWithInvalidProducerEpoch(short version)
    {
        await using var harness = TransactionHandlerTests.NewHarness();
        var zombie = await TransactionHandlerTests.InitAsync(harness);
        var current = await TransactionHandlerTests.InitAsync(harness);
        Assert.That(current.ProducerEpoch, Is.EqualTo(zombie.ProducerEpoch + 1));
        var request = Request(version, Group, -1, "", ("t", 0, 42));
        (request.TransactionalId, request.ProducerId, request.ProducerEpoch) = (TransactionHandlerTests.TransactionalId, zombie.ProducerId, zombie.ProducerEpoch);

        var refused = await harness.SendAsync<TxnOffsetCommitResponseData>(version, request);

        Assert.That(Errors(refused).Single().Item3, Is.EqualTo(ErrorCode.InvalidProducerEpoch));
        Assert.That(await FetchStableAsync(harness, 7), Is.EqualTo(new[] { (0, -1L, -1, ErrorCode.None), (1, -1L, -1, ErrorCode.None) }));
    }

    /// <summary>
    /// The guard of an offsets verification: a marker ending the producer's transaction on the offsets
    /// partition between the verification and the group coordinator's append makes the append fail,
    /// so late offsets cannot open a transaction nobody will end (KIP-890's hanging transaction).
    /// </summary>
    [Test]
    public void AMarkerWrittenDuringAnOffsetsVerificationMakesTheCoordinatorsAppendInvalidTxnState()
    {
        using var replica = new ReplicaHarness(new FakeTime());
        var partition = replica.Partition();
        const long producerId = 81;
        var guard = partition.MaybeStartTransactionVerification(producerId, 0)!;
        Assert.That(partition.AppendEndTxnMarker(producerId, 0, 0, commit: false).Error, Is.EqualTo(ErrorCode.None));

        var late = partition.AppendAsCoordinator(TransactionHandlerTests.TransactionalBatch(producerId, 0, 0, 0, "late"), producerId, 0, guard);
        var unguarded = partition.AppendAsCoordinator(TransactionHandlerTests.TransactionalBatch(producerId, 0, 0, 0, "late"), producerId, 0, TransactionVerificationGuard.Sentinel);
        var verified = partition.AppendAsCoordinator(TransactionHandlerTests.TransactionalBatch(producerId, 0, 0, 0, "verified"), producerId, 0,
            partition.MaybeStartTransactionVerification(producerId, 0)!);

        Assert.That((late.Error, unguarded.Error, verified.Error), Is.EqualTo((ErrorCode.InvalidTxnState, ErrorCode.InvalidTxnState, ErrorCode.None)));
    }

    [TestCase((short)7)]
    [TestCase((short)9)]
    public async Task OffsetFetchWithoutRequireStableAnswersTheLastCommittedOffset(short version)
    {
        await using var harness = Unverified();
        await harness.CommitAsync(5);
        await harness.SendAsync<TxnOffsetCommitResponseData>(4, Request(4, Group, -1, "", ("t", 0, 42)));

        Assert.That((await FetchStableAsync(harness, version))[0], Is.EqualTo((0, -1L, -1, ErrorCode.UnstableOffsetCommit)));
        OffsetFetchRequestData plain = version >= 8
            ? new() { Groups = [new() { GroupId = Group, Topics = [new() { Name = "t", PartitionIndexes = [0] }] }] }
            : new() { GroupId = Group, Topics = [new() { Name = "t", PartitionIndexes = [0] }] };
        var response = await harness.SendAsync<OffsetFetchResponseData>(version, plain);
        var offset = version >= 8 ? response.Groups.Single().Topics.Single().Partitions.Single().CommittedOffset : response.Topics.Single().Partitions.Single().CommittedOffset;
        Assert.That(offset, Is.EqualTo(5L));
    }
}
