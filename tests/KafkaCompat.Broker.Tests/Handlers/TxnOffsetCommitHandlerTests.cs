using KafkaCompat.Broker.Metadata;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>
/// TxnOffsetCommit, and OffsetFetch's require_stable over what it left pending. These use a producer
/// the transaction coordinator does not know, so they stop at v4: v5 (transaction version 2) first
/// adds the offsets partition to the producer's transaction (TransactionVersion2HandlerTests).
/// </summary>
public class TxnOffsetCommitHandlerTests
{
    private const string Group = GroupHarness.Group;
    private const long Producer = 7000;

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
        await using var harness = new GroupHarness();

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
        await using var harness = new GroupHarness();
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

    [TestCase((short)7)]
    [TestCase((short)9)]
    public async Task OffsetFetchWithoutRequireStableAnswersTheLastCommittedOffset(short version)
    {
        await using var harness = new GroupHarness();
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
