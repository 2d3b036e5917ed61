using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>OffsetCommit, OffsetFetch and OffsetDelete: what a group has committed, read back and removed.</summary>
public class GroupOffsetsHandlerTests
{
    private const string Group = GroupHarness.Group;

    private static OffsetCommitRequestData CommitRequest(short version, int generation, string memberId, params (string Topic, int Partition, long Offset)[] offsets)
    {
        var request = new OffsetCommitRequestData { GroupId = Group };
        if (version >= 1)
        {
            request.GenerationIdOrMemberEpoch = generation;
            request.MemberId = memberId;
        }
        foreach (var byTopic in offsets.GroupBy(o => o.Topic))
        {
            request.Topics.Add(new()
            {
                Name = byTopic.Key,
                Partitions = [.. byTopic.Select(o => new OffsetCommitRequestData.OffsetCommitRequestPartition
                {
                    PartitionIndex = o.Partition,
                    CommittedOffset = o.Offset,
                    CommittedLeaderEpoch = version >= 6 ? 4 : -1,
                    CommittedMetadata = $"at {o.Offset}",
                })],
            });
        }
        return request;
    }

    [TestCase((short)0)]
    [TestCase((short)9)]
    [HandlerVersionTest(ApiKey.OffsetCommit, 0)]
    [HandlerVersionTest(ApiKey.OffsetCommit, 9)]
    public async Task OffsetCommitStoresTheOffsetsOfAGroupWithoutMembers(short version)
    {
        await using var harness = new GroupHarness();

        var response = await harness.SendAsync<OffsetCommitResponseData>(version, CommitRequest(version, -1, "", ("t", 0, 42), ("t", 2, 7), ("t", 9, 1), ("other", 0, 1)));

        // t has partitions 0-2: Kafka refuses a commit for a partition that does not exist.
        Assert.That(response.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p.PartitionIndex, (ErrorCode)p.ErrorCode))),
            Is.EqualTo(new[] { ("t", 0, ErrorCode.None), ("t", 2, ErrorCode.None), ("t", 9, ErrorCode.UnknownTopicOrPartition), ("other", 0, ErrorCode.None) }));
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(42L));
        Assert.That(await harness.CommittedAsync("t", 2), Is.EqualTo(7L));
        Assert.That(await harness.CommittedAsync("other", 0), Is.EqualTo(1L));
    }

    [TestCase((short)1)]
    [TestCase((short)9)]
    [HandlerVersionTest(ApiKey.OffsetCommit, 9)]
    public async Task OffsetCommitFromAMemberMustCarryItsGeneration(short version)
    {
        await using var harness = new GroupHarness();
        var member = await harness.StableSingleMemberAsync();

        var stale = await harness.SendAsync<OffsetCommitResponseData>(version, CommitRequest(version, 2, member, ("t", 0, 5)));
        var current = await harness.SendAsync<OffsetCommitResponseData>(version, CommitRequest(version, 1, member, ("t", 0, 6)));

        Assert.That((ErrorCode)stale.Topics.Single().Partitions.Single().ErrorCode, Is.EqualTo(ErrorCode.IllegalGeneration));
        Assert.That(current.Topics.Single().Partitions.Single().ErrorCode, Is.Zero);
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(6L));
    }

    /// <summary>The handler passes its version on: a consumer-group (KIP-848) member must use v9+, and v9+ names a missing group GROUP_ID_NOT_FOUND.</summary>
    [Test]
    public async Task OffsetCommitAnswersByVersionAsKafkaDoes()
    {
        await using var harness = new GroupHarness();
        var member = new Groups.Consumer.ConsumerGroupMemberClient(harness, Groups.Consumer.ConsumerGroupMemberClient.NewId(), "t");
        await member.JoinAsync();
        async Task<ErrorCode> CommitAsync(short version, int epoch, string memberId, string group = Group)
        {
            var request = CommitRequest(version, epoch, memberId, ("t", 0, 5));
            request.GroupId = group;
            var response = await harness.SendAsync<OffsetCommitResponseData>(version, request);
            return (ErrorCode)response.Topics.Single().Partitions.Single().ErrorCode;
        }

        Assert.That(await CommitAsync(8, member.Epoch, member.MemberId), Is.EqualTo(ErrorCode.UnsupportedVersion));
        Assert.That(await CommitAsync(9, member.Epoch, member.MemberId), Is.EqualTo(ErrorCode.None));
        Assert.That(await CommitAsync(8, 3, "m", group: "nobody"), Is.EqualTo(ErrorCode.IllegalGeneration));
        Assert.That(await CommitAsync(9, 3, "m", group: "nobody"), Is.EqualTo(ErrorCode.GroupIdNotFound));
    }

    [TestCase((short)0)]
    [TestCase((short)9)]
    [HandlerVersionTest(ApiKey.OffsetFetch, 0)]
    [HandlerVersionTest(ApiKey.OffsetFetch, 9)]
    public async Task OffsetFetchReturnsWhatOffsetCommitStored(short version)
    {
        await using var harness = new GroupHarness();
        var commitVersion = version >= 6 ? (short)9 : (short)2;
        await harness.SendAsync<OffsetCommitResponseData>(commitVersion, CommitRequest(commitVersion, -1, "", ("t", 0, 42), ("t", 2, 7)));
        OffsetFetchRequestData request = version >= 8
            ? new() { Groups = [new() { GroupId = Group, Topics = [new() { Name = "t", PartitionIndexes = [0, 1, 2] }] }] }
            : new() { GroupId = Group, Topics = [new() { Name = "t", PartitionIndexes = [0, 1, 2] }] };

        var response = await harness.SendAsync<OffsetFetchResponseData>(version, request);

        List<(int, long, string?, short)> answers;
        if (version >= 8)
        {
            var group = response.Groups.Single();
            Assert.That((group.GroupId, group.ErrorCode), Is.EqualTo((Group, (short)0)));
            var topic = group.Topics.Single();
            Assert.That(topic.Name, Is.EqualTo("t"));
            answers = [.. topic.Partitions.Select(p => (p.PartitionIndex, p.CommittedOffset, p.Metadata, p.ErrorCode))];
            // KIP-320: the leader epoch committed with the offset.
            Assert.That(topic.Partitions.Select(p => p.CommittedLeaderEpoch), Is.EqualTo(new[] { 4, -1, 4 }));
        }
        else
        {
            var topic = response.Topics.Single();
            Assert.That(topic.Name, Is.EqualTo("t"));
            answers = [.. topic.Partitions.Select(p => (p.PartitionIndex, p.CommittedOffset, p.Metadata, p.ErrorCode))];
        }
        // A partition without a commit answers offset -1 and empty metadata.
        Assert.That(answers, Is.EqualTo(new[] { (0, 42L, "at 42", (short)0), (1, -1L, "", (short)0), (2, 7L, "at 7", (short)0) }));
    }

    [Test]
    [HandlerVersionTest(ApiKey.OffsetCommit, 10)]
    [HandlerVersionTest(ApiKey.OffsetFetch, 10)]
    public async Task OffsetCommitAndFetchV10NameTopicsByIdAndAnswerUnknownTopicIdForAnIdNotKnown()
    {
        await using var harness = new GroupHarness();
        var t = harness.Metadata.Image.Topic("t")!.Id;
        var unknown = Uuid.NewRandom();
        var commit = CommitRequest(10, -1, "", ("t", 0, 42), ("t", 2, 7), ("gone", 0, 1));
        // v10 names topics by id only: the name field is gone.
        commit.Topics[0].TopicId = t;
        commit.Topics[1].TopicId = unknown;
        commit.Topics.ForEach(topic => topic.Name = "");

        var committed = await harness.SendAsync<OffsetCommitResponseData>(10, commit);

        Assert.That(committed.Topics.SelectMany(topic => topic.Partitions.Select(p => (topic.TopicId, topic.Name, p.PartitionIndex, (ErrorCode)p.ErrorCode))),
            Is.EqualTo(new[] { (t, "", 0, ErrorCode.None), (t, "", 2, ErrorCode.None), (unknown, "", 0, ErrorCode.UnknownTopicId) }));
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(42L), "kept by topic name, as Kafka keeps offsets");

        var fetch = new OffsetFetchRequestData
        {
            Groups = [new() { GroupId = Group, Topics = [new() { TopicId = t, PartitionIndexes = [0, 1] }, new() { TopicId = unknown, PartitionIndexes = [3] }] }],
        };
        var fetched = (await harness.SendAsync<OffsetFetchResponseData>(10, fetch)).Groups.Single();

        Assert.That(fetched.ErrorCode, Is.Zero);
        Assert.That(fetched.Topics.SelectMany(topic => topic.Partitions.Select(p => (topic.TopicId, topic.Name, p.PartitionIndex, p.CommittedOffset, (ErrorCode)p.ErrorCode))),
            Is.EqualTo(new[] { (t, "", 0, 42L, ErrorCode.None), (t, "", 1, -1L, ErrorCode.None), (unknown, "", 3, -1L, ErrorCode.UnknownTopicId) }));

        var every = (await harness.SendAsync<OffsetFetchResponseData>(10, new OffsetFetchRequestData { Groups = [new() { GroupId = Group, Topics = null }] })).Groups.Single();
        Assert.That(every.Topics.SelectMany(topic => topic.Partitions.Select(p => (topic.TopicId, p.PartitionIndex, p.CommittedOffset))),
            Is.EquivalentTo(new[] { (t, 0, 42L), (t, 2, 7L) }));
    }

    [TestCase((short)2)]
    [TestCase((short)9)]
    [HandlerVersionTest(ApiKey.OffsetFetch, 9)]
    public async Task OffsetFetchWithoutTopicsReturnsEveryCommittedOffset(short version)
    {
        await using var harness = new GroupHarness();
        await harness.SendAsync<OffsetCommitResponseData>(9, CommitRequest(9, -1, "", ("t", 1, 11), ("other", 0, 3)));
        OffsetFetchRequestData request = version >= 8
            ? new() { Groups = [new() { GroupId = Group, Topics = null }] }
            : new() { GroupId = Group, Topics = null };

        var response = await harness.SendAsync<OffsetFetchResponseData>(version, request);

        var committed = version >= 8
            ? response.Groups.Single().Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p.PartitionIndex, p.CommittedOffset)))
            : response.Topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p.PartitionIndex, p.CommittedOffset)));
        Assert.That(committed, Is.EquivalentTo(new[] { ("t", 1, 11L), ("other", 0, 3L) }));
    }

    [Test]
    [HandlerVersionTest(ApiKey.OffsetDelete, 0)]
    public async Task OffsetDeleteRemovesOffsetsOfAnEmptyGroup()
    {
        await using var harness = new GroupHarness();
        await harness.SendAsync<OffsetCommitResponseData>(9, CommitRequest(9, -1, "", ("t", 0, 42), ("other", 0, 3)));
        var request = new OffsetDeleteRequestData { GroupId = Group, Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0 }] }] };

        var response = await harness.SendAsync<OffsetDeleteResponseData>(0, request);

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(response.Topics.Select(t => (t.Name, t.Partitions.Single().PartitionIndex, t.Partitions.Single().ErrorCode)), Is.EqualTo(new[] { ("t", 0, (short)0) }));
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(-1L));
        Assert.That(await harness.CommittedAsync("other", 0), Is.EqualTo(3L), "only the named partition goes");
    }

    [Test]
    [HandlerVersionTest(ApiKey.OffsetDelete, 0)]
    public async Task OffsetDeleteKeepsOffsetsOfTopicsAMemberSubscribesTo()
    {
        await using var harness = new GroupHarness();
        var member = await harness.StableSingleMemberAsync();
        await harness.SendAsync<OffsetCommitResponseData>(9, CommitRequest(9, 1, member, ("t", 0, 42), ("other", 0, 3)));
        var request = new OffsetDeleteRequestData
        {
            GroupId = Group,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0 }] }, new() { Name = "other", Partitions = [new() { PartitionIndex = 0 }] }],
        };

        var response = await harness.SendAsync<OffsetDeleteResponseData>(0, request);

        // The member subscribes to "t" only (GroupHarness.Subscription("t")).
        Assert.That(response.Topics.Select(t => (t.Name, (ErrorCode)t.Partitions.Single().ErrorCode)), Is.EquivalentTo(new[]
        {
            ("t", ErrorCode.GroupSubscribedToTopic), ("other", ErrorCode.None),
        }));
        Assert.That(await harness.CommittedAsync("t", 0), Is.EqualTo(42L));
        Assert.That(await harness.CommittedAsync("other", 0), Is.EqualTo(-1L));
    }
}
