using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Groups.Share;
using KafkaCompat.Broker.Share;
using KafkaCompat.Broker.Tests.Groups.Consumer;
using KafkaCompat.Broker.Tests.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups.Share;

/// <summary>
/// KIP-932 share groups on the group coordinator: members joining and sharing partitions once their
/// share-group state is initialized through the persister, leaving and expiring (with the partition
/// leaders told), the state rebuilt from the records after a restart, and Kafka's answers where share
/// groups meet the other group types. Times are those of the hand-moved clock.
/// </summary>
public class ShareGroupHeartbeatTests
{
    private const string OnePartition = "queue";
    private const string SixPartitions = "six";

    private static async Task<GroupHarness> HarnessAsync(InMemoryShareStatePersister? persister = null, Dictionary<string, string>? configs = null)
    {
        var h = new GroupHarness(configs, persister ?? new InMemoryShareStatePersister());
        await h.Metadata.CreateTopic(OnePartition, 1, new Dictionary<string, string>());
        await h.Metadata.CreateTopic(SixPartitions, 6, new Dictionary<string, string>());
        return h;
    }

    private static ShareGroup Group(GroupHarness h, string group = GroupHarness.Group) => h.Coordinator.ShardOf(group)!.FindShareGroup(group)!;

    private static async Task<ShareGroupMemberClient[]> JoinedAsync(GroupHarness h, string topic, int count)
    {
        var members = Enumerable.Range(0, count).Select(_ => new ShareGroupMemberClient(h, topic)).ToArray();
        foreach (var member in members)
        {
            var joined = await member.JoinAsync();
            Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        }
        // One more heartbeat each: the partitions initialized meanwhile are assigned on the next one.
        foreach (var member in members)
        {
            var response = await member.HeartbeatAsync();
            Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None), response.ErrorMessage);
        }
        return members;
    }

    [Test]
    public async Task APartitionIsAssignedOnlyOnceItsShareStateIsInitializedAtTheGroupEpochWithNoStartOffset()
    {
        var persister = new InMemoryShareStatePersister();
        await using var h = await HarnessAsync(persister);
        var topicId = h.Metadata.Image.Topic(OnePartition)!.Id;
        var member = new ShareGroupMemberClient(h, OnePartition);

        var joined = await member.JoinAsync();

        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        Assert.That(joined.MemberEpoch, Is.EqualTo(1));
        Assert.That(joined.HeartbeatIntervalMs, Is.EqualTo(5000));
        Assert.That(joined.Assignment!.TopicPartitions, Is.Empty, "nothing is assignable before the share coordinator has the partition");
        Assert.That(persister.States, Is.EqualTo(new Dictionary<(string, Uuid, int), (int, long)> { [(GroupHarness.Group, topicId, 0)] = (1, -1L) }));
        Assert.That(Group(h).IsInitialized(new TopicIdPartition(topicId, 0)));

        var next = await member.HeartbeatAsync();

        Assert.That(next.MemberEpoch, Is.EqualTo(2), "initialized partitions bump the group epoch");
        Assert.That(member.Assigned, Is.EqualTo(new[] { new TopicIdPartition(topicId, 0) }));
        Assert.That(persister.InitializeRequests, Has.Count.EqualTo(1), "an initialized partition is not asked for again");
    }

    [Test]
    public async Task ADeletedTopicLeavesTheShareGroupsStatePartitionMetadataAndStaysOutAfterARestart()
    {
        await using var h = await HarnessAsync();
        var topicId = h.Metadata.Image.Topic(OnePartition)!.Id;
        var sixId = h.Metadata.Image.Topic(SixPartitions)!.Id;
        await JoinedAsync(h, OnePartition, 1);
        await new ShareGroupMemberClient(h, SixPartitions).JoinAsync();
        Assert.That(Group(h).InitializedTopics.Keys, Is.EquivalentTo(new[] { topicId, sixId }));

        await h.Metadata.DeleteTopic(OnePartition, topicId);
        await h.Coordinator.DrainAsync();

        Assert.That(Group(h).InitializedTopics.Keys, Is.EqualTo(new[] { sixId }));
        await h.RestartAsync();
        Assert.That(Group(h).InitializedTopics.Keys, Is.EqualTo(new[] { sixId }), "written as a record, not only in memory");
    }

    [Test]
    public async Task ThreeMembersOnOnePartitionAllGetIt()
    {
        await using var h = await HarnessAsync();
        var topicId = h.Metadata.Image.Topic(OnePartition)!.Id;

        var members = await JoinedAsync(h, OnePartition, 3);

        Assert.That(members.Select(m => m.Assigned), Has.All.EquivalentTo(new[] { new TopicIdPartition(topicId, 0) }));
        Assert.That(Group(h).State, Is.EqualTo(ShareGroupState.Stable));
        Assert.That(Group(h).Members.Values.Select(m => m.MemberEpoch).Distinct(), Is.EqualTo(new[] { Group(h).AssignmentEpoch }));
    }

    [Test]
    public async Task TwoMembersOnSixPartitionsTakeThreeEachWithoutSharing()
    {
        await using var h = await HarnessAsync();

        var members = await JoinedAsync(h, SixPartitions, 2);
        await members[0].HeartbeatAsync();

        Assert.That(members.Select(m => m.Assigned.Count), Is.EqualTo(new[] { 3, 3 }));
        Assert.That(members[0].Assigned.Intersect(members[1].Assigned), Is.Empty);
    }

    [Test]
    public async Task WhenAMemberLeavesAndAnotherExpiresTheLastOneGetsEveryPartition()
    {
        await using var h = await HarnessAsync();
        var members = await JoinedAsync(h, SixPartitions, 3);
        Assert.That(members.Select(m => m.Assigned.Count), Is.EqualTo(new[] { 2, 2, 2 }));

        var left = await members[0].LeaveAsync();
        Assert.That(left.MemberEpoch, Is.EqualTo(-1));
        // The survivor keeps heartbeating; the third one goes silent past its session timeout.
        await h.AdvanceAsync(30_000);
        await members[1].HeartbeatAsync();
        await h.AdvanceAsync(16_000);
        await members[1].HeartbeatAsync();

        Assert.That(members[1].Assigned, Has.Count.EqualTo(6));
        Assert.That(Group(h).Members.Keys, Is.EqualTo(new[] { members[1].MemberId }));
        var gone = await members[2].HeartbeatAsync();
        Assert.That((ErrorCode)gone.ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId));
    }

    [Test]
    public async Task AfterARestartTheGroupIsWhatItWasLive()
    {
        await using var h = await HarnessAsync();
        var members = await JoinedAsync(h, SixPartitions, 3);
        await members[2].LeaveAsync();
        var other = new ShareGroupMemberClient(h, OnePartition);
        await other.JoinAsync();
        var live = Describe(Group(h));

        await h.RestartAsync();

        Assert.That(Describe(Group(h)), Is.EqualTo(live));
        // And the session timers run again: nobody heartbeats, everybody is fenced.
        await h.AdvanceAsync(45_000);
        Assert.That(Group(h).Members, Is.Empty);
    }

    private static string Describe(ShareGroup group) =>
        $"epoch {group.GroupEpoch} target epoch {group.AssignmentEpoch} {group.State}; "
        + string.Join("; ", group.SubscriptionMetadata.OrderBy(t => t.Key).Select(t => t.Value.ToString())) + "; "
        + string.Join("; ", group.Members.Values.OrderBy(m => m.MemberId).Select(m =>
            $"{m.MemberId} {m.MemberEpoch}/{m.PreviousMemberEpoch} {m.State} [{string.Join(",", m.SubscribedTopicNames)}] {m.ClientId} {m.ClientHost} assigned {Partitions(m.AssignedPartitions)}"))
        + "; target " + string.Join("; ", group.TargetAssignment.OrderBy(t => t.Key).Select(t => $"{t.Key} {Partitions(t.Value)}"))
        + "; initialized " + string.Join("; ", group.InitializedTopics.Values.OrderBy(t => t.TopicName).Select(t => $"{t.TopicName} {string.Join(",", t.Partitions)}"));

    private static string Partitions(IEnumerable<TopicIdPartition> partitions) => string.Join(",", partitions.Select(p => $"{p.TopicId}-{p.Partition}").Order());

    [Test]
    public async Task ARefusedInitializationIsAskedAgainAfterTheRetryInterval()
    {
        var persister = new InMemoryShareStatePersister { Refuse = ErrorCode.CoordinatorNotAvailable };
        await using var h = await HarnessAsync(persister);
        var member = new ShareGroupMemberClient(h, OnePartition);
        await member.JoinAsync();
        Assert.That(persister.InitializeRequests, Has.Count.EqualTo(1));

        persister.Refuse = null;
        await member.HeartbeatAsync();
        Assert.That(member.Assigned, Is.Empty);
        Assert.That(persister.InitializeRequests, Has.Count.EqualTo(2), "a refused partition is no longer initializing: the next heartbeat asks again");
        await member.HeartbeatAsync();

        Assert.That(member.Assigned, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task AnInitializationLeftUnansweredIsNotAskedAgainWithinTheRetryInterval()
    {
        var persister = new HangingPersister();
        await using var h = new GroupHarness(sharePersister: persister);
        await h.Metadata.CreateTopic(OnePartition, 1, new Dictionary<string, string>());
        var member = new ShareGroupMemberClient(h, OnePartition);
        await member.JoinAsync();
        await h.AdvanceAsync(29_999);
        await member.HeartbeatAsync();
        Assert.That(persister.Asked, Is.EqualTo(1));

        await h.AdvanceAsync(1);
        await member.HeartbeatAsync();

        Assert.That(persister.Asked, Is.EqualTo(2), "group.share.initialize.retry.interval.ms (30000) passed");
    }

    [Test]
    public async Task AnUnansweredInitializationIsRecordedSoACoordinatorThatTakesOverWaitsOutTheRetryInterval()
    {
        var persister = new HangingPersister();
        await using var h = new GroupHarness(sharePersister: persister);
        await h.Metadata.CreateTopic(OnePartition, 1, new Dictionary<string, string>());
        var member = new ShareGroupMemberClient(h, OnePartition);
        await member.JoinAsync();
        await h.AdvanceAsync(10_000);

        await h.RestartAsync();
        Assert.That(Group(h).Initializing.Keys, Is.EqualTo(new[] { new TopicIdPartition(h.Metadata.Image.Topic(OnePartition)!.Id, 0) }),
            "Kafka 4.1's InitializingTopics");
        await h.AdvanceAsync(19_999);
        await member.HeartbeatAsync();
        Assert.That(persister.Asked, Is.EqualTo(1));

        await h.AdvanceAsync(1);
        await member.HeartbeatAsync();
        Assert.That(persister.Asked, Is.EqualTo(2), "group.share.initialize.retry.interval.ms (30000) passed since it was asked");
    }

    /// <summary>A share coordinator that never answers InitializeState.</summary>
    private sealed class HangingPersister : IShareStatePersister
    {
        public int Asked { get; private set; }

        public Task<InitializeShareGroupStateResponseData> InitializeStateAsync(InitializeShareGroupStateRequestData request, CancellationToken cancellationToken = default)
        {
            Asked++;
            return new TaskCompletionSource<InitializeShareGroupStateResponseData>().Task;
        }

        public Task<ReadShareGroupStateResponseData> ReadStateAsync(ReadShareGroupStateRequestData request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<WriteShareGroupStateResponseData> WriteStateAsync(WriteShareGroupStateRequestData request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<DeleteShareGroupStateResponseData> DeleteStateAsync(DeleteShareGroupStateRequestData request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ReadShareGroupStateSummaryResponseData> ReadStateSummaryAsync(ReadShareGroupStateSummaryRequestData request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    [Test]
    public async Task EpochsAheadOrStaleAreFencedThePreviousOneIsAcceptedAndTheGroupHasAMaximumSize()
    {
        await using var h = await HarnessAsync(configs: new() { ["group.share.max.size"] = "2" });
        var members = await JoinedAsync(h, OnePartition, 2);
        // Two more epoch bumps for members[0]: another member leaves, a new one joins.
        await members[1].LeaveAsync();
        await members[0].HeartbeatAsync();
        var second = new ShareGroupMemberClient(h, OnePartition);
        await second.JoinAsync();
        await members[0].HeartbeatAsync();
        var member = Group(h).Members[members[0].MemberId];
        Assert.That((member.MemberEpoch, member.PreviousMemberEpoch), Is.EqualTo((4, 3)));

        Task<ShareGroupHeartbeatResponseData> Send(int epoch, IReadOnlyList<string>? topics = null) => h.Coordinator.ShareGroupHeartbeatAsync(
            new() { GroupId = GroupHarness.Group, MemberId = members[0].MemberId, MemberEpoch = epoch, SubscribedTopicNames = topics?.ToList() }, "c", "h");
        var ahead = await Send(5);
        var stale = await Send(2);
        var previous = await Send(3);
        var rejoined = await Send(0, [OnePartition]);
        var third = await new ShareGroupMemberClient(h, OnePartition).JoinAsync();
        var unknown = await h.Coordinator.ShareGroupHeartbeatAsync(new() { GroupId = GroupHarness.Group, MemberId = "nobody", MemberEpoch = 3 }, "c", "h");

        Assert.That((ErrorCode)ahead.ErrorCode, Is.EqualTo(ErrorCode.FencedMemberEpoch));
        Assert.That((ErrorCode)stale.ErrorCode, Is.EqualTo(ErrorCode.FencedMemberEpoch));
        Assert.That((ErrorCode)previous.ErrorCode, Is.EqualTo(ErrorCode.None), "a lost answer: the client retries with its previous epoch");
        Assert.That(previous.MemberEpoch, Is.EqualTo(4));
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None), "a member may always rejoin with epoch 0");
        Assert.That(rejoined.Assignment!.TopicPartitions, Has.Count.EqualTo(1));
        Assert.That((ErrorCode)third.ErrorCode, Is.EqualTo(ErrorCode.GroupMaxSizeReached));
        Assert.That(third.ErrorMessage, Is.EqualTo("The share group has reached its maximum capacity of 2 members."));
        Assert.That((ErrorCode)unknown.ErrorCode, Is.EqualTo(ErrorCode.GroupMaxSizeReached), "Kafka checks the group's size before the member");
    }

    [TestCase("", GroupHarness.Group, 0, "MemberId can't be empty.")]
    [TestCase("m", "", 0, "GroupId can't be empty.")]
    [TestCase("m", GroupHarness.Group, 0, "SubscribedTopicNames must be set in first request.")]
    [TestCase("m", GroupHarness.Group, -2, "MemberEpoch is invalid.")]
    public async Task RequestsKafkaRefusesAreInvalid(string memberId, string groupId, int epoch, string message)
    {
        await using var h = await HarnessAsync();

        var response = await h.Coordinator.ShareGroupHeartbeatAsync(new() { GroupId = groupId, MemberId = memberId, MemberEpoch = epoch }, "c", "h");

        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
        Assert.That(response.ErrorMessage, Is.EqualTo(message));
    }

    [Test]
    public async Task AShareHeartbeatNamingAClassicOrConsumerGroupIsGroupIdNotFoundAndTheOthersCannotTakeAShareGroup()
    {
        await using var h = await HarnessAsync();
        await h.CommitAsync(5, group: "simple");
        await new ConsumerGroupMemberClient(h, "consumer-member", SixPartitions).JoinAsync();
        // ConsumerGroupMemberClient joins GroupHarness.Group: the share group here is another id.
        var share = new ShareGroupMemberClient(h, OnePartition, group: "queue-group");
        await share.JoinAsync();

        var onSimple = await new ShareGroupMemberClient(h, OnePartition, group: "simple").JoinAsync();
        var onConsumer = await new ShareGroupMemberClient(h, OnePartition, group: GroupHarness.Group).JoinAsync();
        var consumerOnShare = await new ConsumerGroupMemberClient(h, "c2", SixPartitions).SendAsync(new ConsumerGroupHeartbeatRequestData
        {
            GroupId = "queue-group", MemberId = "c2", MemberEpoch = 0, RebalanceTimeoutMs = 1000, SubscribedTopicNames = [SixPartitions], TopicPartitions = [],
        });
        var classicJoin = await h.JoinAsync(group: "queue-group");
        var commit = await h.CommitAsync(1, group: "queue-group");
        var fetch = await h.Coordinator.FetchOffsetsAsync("queue-group", [(OnePartition, [0])]);
        var txnCommit = await h.Coordinator.CommitTransactionalOffsetsAsync(new TxnOffsetCommitParams("queue-group", 1000, 0, -1, "", null,
            [new OffsetCommitEntry(OnePartition, 0, 1, -1, null, h.Time.NowMs, null)]));
        var offsetDelete = await h.Coordinator.DeleteOffsetsAsync("queue-group", [(OnePartition, 0)]);
        var consumerDescribe = (await h.Coordinator.ConsumerGroupDescribeAsync(["queue-group"])).Single();
        var shareDescribe = (await h.Coordinator.ShareGroupDescribeAsync([GroupHarness.Group])).Single();

        Assert.That((ErrorCode)onSimple.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That(onSimple.ErrorMessage, Is.EqualTo("Group simple is not a share group."));
        Assert.That((ErrorCode)onConsumer.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That((ErrorCode)consumerOnShare.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That((ErrorCode)classicJoin.ErrorCode, Is.EqualTo(ErrorCode.InconsistentGroupProtocol));
        Assert.That(commit, Is.EqualTo(new[] { ErrorCode.GroupIdNotFound }));
        Assert.That(fetch.Error, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That(txnCommit, Is.EqualTo(new[] { ErrorCode.GroupIdNotFound }));
        Assert.That(offsetDelete.Error, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That(((ErrorCode)consumerDescribe.ErrorCode, consumerDescribe.ErrorMessage), Is.EqualTo((ErrorCode.GroupIdNotFound, "Group queue-group is not a consumer group.")));
        Assert.That(((ErrorCode)shareDescribe.ErrorCode, shareDescribe.ErrorMessage), Is.EqualTo((ErrorCode.GroupIdNotFound, $"Group {GroupHarness.Group} is not a share group.")));
        Assert.That(h.GroupState("queue-group"), Is.Null, "no classic group was made of the share group's id");
    }

    [Test]
    public async Task ListGroupsShowsShareGroupsWithTheirTypeAndStateAndDescribeGroupsDoesNot()
    {
        await using var h = await HarnessAsync();
        var member = new ShareGroupMemberClient(h, OnePartition);
        await member.JoinAsync();
        var idle = new ShareGroupMemberClient(h, OnePartition, group: "idle");
        await idle.JoinAsync();
        await idle.LeaveAsync();

        var all = await h.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData());
        var stable = await h.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData { TypesFilter = ["Share"], StatesFilter = ["STABLE"] });
        var classic = await h.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData { TypesFilter = ["classic"] });
        var described = await h.Coordinator.DescribeGroupAsync(GroupHarness.Group);

        Assert.That(all.Groups.Select(g => $"{g.GroupId} {g.ProtocolType} {g.GroupState} {g.GroupType}"),
            Is.EqualTo(new[] { "idle share Empty share", $"{GroupHarness.Group} share Stable share" }));
        Assert.That(stable.Groups.Select(g => g.GroupId), Is.EqualTo(new[] { GroupHarness.Group }));
        Assert.That(classic.Groups, Is.Empty);
        Assert.That((ErrorCode)described.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That(described.GroupState, Is.EqualTo("Dead"));
        Assert.That(described.ErrorMessage, Is.EqualTo($"Group {GroupHarness.Group} is not a classic group."));
    }

    [Test]
    public async Task DeleteGroupsRefusesAShareGroupWithMembersAndDeletesAnEmptyOneWithItsShareState()
    {
        var persister = new InMemoryShareStatePersister();
        await using var h = await HarnessAsync(persister);
        var members = await JoinedAsync(h, SixPartitions, 1);
        Assert.That(persister.States, Has.Count.EqualTo(6));

        Assert.That(await h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.NonEmptyGroup));
        await members[0].LeaveAsync();
        persister.Refuse = ErrorCode.CoordinatorLoadInProgress;
        Assert.That(await h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.CoordinatorLoadInProgress));
        Assert.That(Group(h), Is.Not.Null, "the group stays while its share state does");
        persister.Refuse = null;

        Assert.That(await h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.None));

        Assert.That(persister.States, Is.Empty);
        Assert.That(h.Coordinator.ShardOf(GroupHarness.Group)!.FindShareGroup(GroupHarness.Group), Is.Null);
        Assert.That(await h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.GroupIdNotFound));
        await h.RestartAsync();
        Assert.That(h.Coordinator.ShardOf(GroupHarness.Group)!.FindShareGroup(GroupHarness.Group), Is.Null, "the tombstones replay too");
    }
}
