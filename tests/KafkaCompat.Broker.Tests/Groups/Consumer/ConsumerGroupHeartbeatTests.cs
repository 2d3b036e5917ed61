using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// KIP-848 consumer groups on the group coordinator: members joining, reconciling toward the target
/// assignment with revocation before reassignment, leaving and expiring, and the state rebuilt from
/// the records after a restart. Times are those of the hand-moved clock.
/// </summary>
public class ConsumerGroupHeartbeatTests
{
    private const string Topic = "six";
    private const int SessionTimeoutMs = 45_000;

    private static async Task<GroupHarness> WithSixPartitionsAsync()
    {
        var h = new GroupHarness();
        await h.Metadata.CreateTopic(Topic, 6, new Dictionary<string, string>());
        return h;
    }

    private static ConsumerGroup Group(GroupHarness h) => h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group)!;

    /// <summary>Heartbeats every member in turn until none of them changes any more.</summary>
    private static async Task SettleMembersAsync(GroupHarness h, params ConsumerGroupMemberClient[] members)
    {
        for (var round = 0; round < 10; round++)
        {
            foreach (var member in members)
            {
                var response = await member.HeartbeatAsync();
                Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None), response.ErrorMessage);
                AssertNoPartitionOwnedTwice(members);
            }
            if (Group(h).State == ConsumerGroupState.Stable)
            {
                return;
            }
        }
        Assert.Fail($"the group did not become stable: {Group(h).State}");
    }

    private static void AssertNoPartitionOwnedTwice(IEnumerable<ConsumerGroupMemberClient> members)
    {
        var all = members.SelectMany(m => m.Owned).ToList();
        Assert.That(all, Is.Unique, "a partition is owned by two members at once");
    }

    private static async Task<ConsumerGroupMemberClient[]> ThreeStableMembersAsync(GroupHarness h)
    {
        var members = Enumerable.Range(0, 3).Select(_ => new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic)).ToArray();
        foreach (var member in members)
        {
            var joined = await member.JoinAsync();
            Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
            AssertNoPartitionOwnedTwice(members);
        }
        await SettleMembersAsync(h, members);
        return members;
    }

    [Test]
    public async Task ThreeMembersOnSixPartitionsEachOwnTwoAndEveryPartitionIsOwnedOnce()
    {
        await using var h = await WithSixPartitionsAsync();
        var members = await ThreeStableMembersAsync(h);

        var topicId = h.Metadata.Image.Topic(Topic)!.Id;
        Assert.That(members.SelectMany(m => m.Owned), Is.EquivalentTo(Enumerable.Range(0, 6).Select(p => new TopicIdPartition(topicId, p))));
        Assert.That(members.Select(m => m.Owned.Count), Is.All.EqualTo(2));
        var group = Group(h);
        Assert.That(group.GroupEpoch, Is.EqualTo(3), "each join bumps the group epoch");
        Assert.That(group.AssignmentEpoch, Is.EqualTo(3));
        Assert.That(members.Select(m => m.Epoch), Is.All.EqualTo(3));
        Assert.That(group.Members.Values.Select(m => m.AssignedPartitions.Count), Is.All.EqualTo(2));
    }

    [Test]
    public async Task APartitionIsAssignedOnlyAfterItsOwnerRevokedIt()
    {
        await using var h = await WithSixPartitionsAsync();
        var first = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic) { HoldRevocations = true };
        await first.JoinAsync();
        Assert.That(first.Owned, Has.Count.EqualTo(6));
        Assert.That(first.Epoch, Is.EqualTo(1));

        var second = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        var joined = await second.JoinAsync();
        Assert.That(joined.MemberEpoch, Is.EqualTo(2), "the new member is at the target's epoch");
        Assert.That(second.Owned, Is.Empty, "every partition of its target is still the first member's");
        Assert.That(Group(h).Members[second.MemberId].State, Is.EqualTo(MemberState.UnreleasedPartitions));

        // The first member learns what to give up but has not done it yet.
        await first.HeartbeatAsync();
        var firstState = Group(h).Members[first.MemberId];
        Assert.That(firstState.State, Is.EqualTo(MemberState.UnrevokedPartitions));
        Assert.That(firstState.MemberEpoch, Is.EqualTo(1), "it stays at its epoch until it revoked");
        Assert.That(firstState.PartitionsPendingRevocation, Has.Count.EqualTo(3));
        Assert.That(first.Owned, Has.Count.EqualTo(6));
        await second.HeartbeatAsync();
        Assert.That(second.Owned, Is.Empty, "the partitions are not released yet");

        // It revokes: now at epoch 2, and the second member gets the released partitions.
        first.HoldRevocations = false;
        first.Owned.IntersectWith(firstState.AssignedPartitions);
        await first.HeartbeatAsync();
        Assert.That(Group(h).Members[first.MemberId].State, Is.EqualTo(MemberState.Stable));
        Assert.That(first.Epoch, Is.EqualTo(2));
        await second.HeartbeatAsync();
        Assert.That(second.Owned, Has.Count.EqualTo(3));
        Assert.That(second.Owned, Is.EquivalentTo(firstState.PartitionsPendingRevocation));
        Assert.That(Group(h).State, Is.EqualTo(ConsumerGroupState.Stable));
    }

    [Test]
    public async Task WhenAMemberLeavesAndAnotherExpiresTheLastOneGetsEveryPartition()
    {
        await using var h = await WithSixPartitionsAsync();
        var members = await ThreeStableMembersAsync(h);
        var (leaving, expiring, staying) = (members[0], members[1], members[2]);

        var left = await leaving.LeaveAsync();
        Assert.That((ErrorCode)left.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(left.MemberEpoch, Is.EqualTo(-1));
        Assert.That(Group(h).Members.Keys, Does.Not.Contain(leaving.MemberId));
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(4));
        await SettleMembersAsync(h, expiring, staying);
        Assert.That(expiring.Owned.Count + staying.Owned.Count, Is.EqualTo(6));
        Assert.That(staying.Owned, Has.Count.EqualTo(3));

        // Only the staying member heartbeats from now on.
        for (var elapsed = 0; elapsed < SessionTimeoutMs - 5000; elapsed += 5000)
        {
            await h.AdvanceAsync(5000);
            await staying.HeartbeatAsync();
        }
        Assert.That(Group(h).Members.Keys, Does.Contain(expiring.MemberId), "its session has not run out yet");
        await h.AdvanceAsync(5000);
        Assert.That(Group(h).Members.Keys, Is.EquivalentTo(new[] { staying.MemberId }), "the silent member expired after group.consumer.session.timeout.ms");
        await SettleMembersAsync(h, staying);
        Assert.That(staying.Owned, Has.Count.EqualTo(6));
        var expired = await expiring.HeartbeatAsync();
        Assert.That((ErrorCode)expired.ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId));
    }

    [Test]
    public async Task AfterARestartTheGroupIsWhatItWasLive()
    {
        await using var h = await WithSixPartitionsAsync();
        var first = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic) { HoldRevocations = true };
        await first.JoinAsync();
        var second = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "static-1");
        await second.JoinAsync();
        await first.HeartbeatAsync();
        var third = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await third.JoinAsync();
        await third.LeaveAsync();
        Assert.That(Group(h).State, Is.EqualTo(ConsumerGroupState.Assigning), "mid-rebalance, with a revocation pending");
        var live = Describe(Group(h));

        await h.RestartAsync();

        Assert.That(Describe(Group(h)), Is.EqualTo(live));
    }

    internal static string Describe(ConsumerGroup group) =>
        $"epoch {group.GroupEpoch} target epoch {group.AssignmentEpoch} {group.State}; "
        + $"hash {group.MetadataHash}; "
        + string.Join("; ", group.ResolvedRegularExpressions.OrderBy(r => r.Key).Select(r => $"{r.Key} -> [{string.Join(",", r.Value.Topics)}] v{r.Value.Version} at {r.Value.TimestampMs}")) + "; "
        + string.Join("; ", group.Members.Values.OrderBy(m => m.MemberId).Select(m =>
            $"{m.MemberId} {m.InstanceId} {m.MemberEpoch}/{m.PreviousMemberEpoch} {m.State} [{string.Join(",", m.SubscribedTopicNames)}] /{m.SubscribedTopicRegex}/ {m.RebalanceTimeoutMs} "
            + $"assigned {Partitions(m.AssignedPartitions)} revoking {Partitions(m.PartitionsPendingRevocation)}"))
        + "; target " + string.Join("; ", group.TargetAssignment.OrderBy(t => t.Key).Select(t => $"{t.Key} {Partitions(t.Value)}"))
        + "; epochs " + string.Join(",", group.PartitionEpochs.OrderBy(p => p.Key.Partition).Select(p => $"{p.Key.Partition}@{p.Value}"));

    internal static string Partitions(IEnumerable<TopicIdPartition> partitions) => string.Join(",", partitions.Select(p => p.Partition).Order());

    [Test]
    public async Task AnEpochAheadOfTheMembersIsFencedAndAnUnknownMemberIsRefused()
    {
        await using var h = await WithSixPartitionsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        var ahead = await member.SendAsync(new ConsumerGroupHeartbeatRequestData { GroupId = GroupHarness.Group, MemberId = member.MemberId, MemberEpoch = 5 });
        Assert.That((ErrorCode)ahead.ErrorCode, Is.EqualTo(ErrorCode.FencedMemberEpoch));
        var unknown = await member.SendAsync(new ConsumerGroupHeartbeatRequestData { GroupId = GroupHarness.Group, MemberId = "nobody", MemberEpoch = 1 });
        Assert.That((ErrorCode)unknown.ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId));
        var noGroup = await member.SendAsync(new ConsumerGroupHeartbeatRequestData { GroupId = "no-such-group", MemberId = member.MemberId, MemberEpoch = 1 });
        Assert.That((ErrorCode)noGroup.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
    }

    [Test]
    public async Task AStaticInstanceIdHeldByALiveMemberIsUnreleasedAndOneLeftWithMinusTwoIsTakenOver()
    {
        await using var h = await WithSixPartitionsAsync();
        var original = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-a");
        await original.JoinAsync();
        var owned = original.Owned.ToHashSet();
        var rival = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-a");
        Assert.That((ErrorCode)(await rival.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.UnreleasedInstanceId));

        var left = await original.LeaveAsync(ConsumerGroup.LeaveGroupStaticMemberEpoch);
        Assert.That(left.MemberEpoch, Is.EqualTo(-2));
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(1), "a static member leaving for a while does not rebalance the group");

        var rejoined = await rival.JoinAsync();
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(rejoined.MemberEpoch, Is.EqualTo(1), "it takes over the epoch and the assignment of the instance");
        Assert.That(rival.Owned, Is.EquivalentTo(owned));
        Assert.That(Group(h).Members.Keys, Is.EquivalentTo(new[] { rival.MemberId }));
    }

    /// <summary>The epochs Kafka writes: a leave with -2 keeps the previous epoch as it was; the member taking the instance over starts from 0 and reconciles to the target's epoch.</summary>
    [Test]
    public async Task AStaticMembersEpochsAcrossALeaveAndATakeOverAreKafkas()
    {
        await using var h = await WithSixPartitionsAsync();
        var original = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-a");
        await original.JoinAsync();
        var other = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await other.JoinAsync();
        await SettleMembersAsync(h, original, other);
        var before = Group(h).Members[original.MemberId];
        Assert.That((before.MemberEpoch, before.PreviousMemberEpoch), Is.EqualTo((2, 1)));

        await original.LeaveAsync(ConsumerGroup.LeaveGroupStaticMemberEpoch);
        var left = Group(h).Members[original.MemberId];
        Assert.That((left.MemberEpoch, left.PreviousMemberEpoch), Is.EqualTo((-2, 1)));

        var replacement = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-a");
        var joined = await replacement.JoinAsync();
        Assert.That(joined.MemberEpoch, Is.EqualTo(2));
        var taken = Group(h).Members[replacement.MemberId];
        Assert.That((taken.MemberEpoch, taken.PreviousMemberEpoch), Is.EqualTo((2, 0)));
        Assert.That(taken.AssignedPartitions, Is.EquivalentTo(before.AssignedPartitions));
    }

    [Test]
    public async Task AStaticMemberLeavingForAWhileReleasesThePartitionsItWasRevoking()
    {
        await using var h = await WithSixPartitionsAsync();
        var first = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-a") { HoldRevocations = true };
        await first.JoinAsync();
        var second = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await second.JoinAsync();
        await first.HeartbeatAsync();
        var revoking = Group(h).Members[first.MemberId].PartitionsPendingRevocation;
        Assert.That(revoking, Has.Count.EqualTo(3));
        await second.HeartbeatAsync();
        Assert.That(second.Owned, Is.Empty, "still the first member's");

        await first.LeaveAsync(ConsumerGroup.LeaveGroupStaticMemberEpoch);
        Assert.That(Group(h).Members[first.MemberId].PartitionsPendingRevocation, Is.Empty);
        await second.HeartbeatAsync();
        Assert.That(second.Owned, Is.EquivalentTo(revoking), "no need to wait for the static member's session to end");
        Assert.That(Group(h).Members[first.MemberId].AssignedPartitions, Has.Count.EqualTo(3), "it keeps the rest for when it comes back");
    }

    [TestCase(1, "", 0, "MemberId can't be empty.")]
    [TestCase(0, "", 3, "MemberId can't be empty.")]
    [TestCase(1, "m", -3, "MemberEpoch is invalid.")]
    [TestCase(1, "m", -2, "InstanceId can't be null.")]
    [TestCase(1, "  ", 1, "MemberId can't be empty.")]
    [TestCase(0, " ", -1, "MemberId can't be empty.")]
    public async Task RequestsKafkaRefusesAreInvalid(short version, string memberId, int epoch, string message)
    {
        await using var h = await WithSixPartitionsAsync();
        var response = await h.Coordinator.ConsumerGroupHeartbeatAsync(new ConsumerGroupHeartbeatRequestData
        {
            GroupId = GroupHarness.Group, MemberId = memberId, MemberEpoch = epoch, RebalanceTimeoutMs = 1000, SubscribedTopicNames = [Topic], TopicPartitions = [],
        }, version, "client", "/127.0.0.1");
        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
        Assert.That(response.ErrorMessage, Is.EqualTo(message));
    }

    [Test]
    public async Task BlankIdsAndAJoinWithoutSubscriptionAreInvalidWithKafkasMessages()
    {
        await using var h = await WithSixPartitionsAsync();
        async Task<string?> RefusalAsync(ConsumerGroupHeartbeatRequestData request)
        {
            var response = await h.Coordinator.ConsumerGroupHeartbeatAsync(request, 1, "client", "/127.0.0.1");
            Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.InvalidRequest));
            return response.ErrorMessage;
        }
        ConsumerGroupHeartbeatRequestData Join() => new()
        {
            GroupId = GroupHarness.Group, MemberId = ConsumerGroupMemberClient.NewId(), MemberEpoch = 0, RebalanceTimeoutMs = 1000, SubscribedTopicNames = [Topic], TopicPartitions = [],
        };
        var noSubscription = Join();
        noSubscription.SubscribedTopicNames = null;
        Assert.That(await RefusalAsync(noSubscription), Is.EqualTo("Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining."));
        var blankGroup = Join();
        blankGroup.GroupId = "   ";
        Assert.That(await RefusalAsync(blankGroup), Is.EqualTo("GroupId can't be empty."));
        var blankInstance = Join();
        blankInstance.InstanceId = "\t";
        Assert.That(await RefusalAsync(blankInstance), Is.EqualTo("InstanceId can't be empty."));
        var blankRack = Join();
        blankRack.RackId = " ";
        Assert.That(await RefusalAsync(blankRack), Is.EqualTo("RackId can't be empty."));
    }

    [Test]
    public async Task VersionZeroGetsAMemberIdFromTheCoordinatorAndAnUnknownAssignorIsRefused()
    {
        await using var h = await WithSixPartitionsAsync();
        var member = new ConsumerGroupMemberClient(h, "", Topic, version: 0);
        var joined = await member.JoinAsync();
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(Uuid.Parse(joined.MemberId!), Is.Not.EqualTo(Uuid.Zero));
        Assert.That(joined.HeartbeatIntervalMs, Is.EqualTo(5000), "group.consumer.heartbeat.interval.ms's default");

        var other = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, assignor: "sticky");
        var refused = await other.JoinAsync();
        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.UnsupportedAssignor));
    }

    [Test]
    public async Task ClassicGroupWithMembersOfAnotherProtocolTypeIsNotAConsumerGroup()
    {
        // A classic group of the consumer protocol would be upgraded (OnlineMigrationTests); one of another type cannot be.
        await using var h = await WithSixPartitionsAsync();
        var joined = await h.JoinAsync(protocolType: "connect");
        await h.SyncAsync(joined.MemberId, joined.GenerationId);
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        var refused = await member.JoinAsync();
        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
    }

    [Test]
    public async Task AnEmptyRegexIsNoRegex()
    {
        // librdkafka 2.15.1 sends SubscribedTopicRegex "" with a subscription by names.
        await using var h = await WithSixPartitionsAsync();
        var request = new ConsumerGroupHeartbeatRequestData
        {
            GroupId = GroupHarness.Group, MemberId = ConsumerGroupMemberClient.NewId(), MemberEpoch = 0, RebalanceTimeoutMs = 1000,
            SubscribedTopicNames = [Topic], SubscribedTopicRegex = "", TopicPartitions = [],
        };
        var joined = await h.Coordinator.ConsumerGroupHeartbeatAsync(request, 1, "client", "/127.0.0.1");
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        Assert.That(joined.Assignment!.TopicPartitions.Single().Partitions, Has.Count.EqualTo(6));
        Assert.That(Group(h).SubscribedRegularExpressions(), Is.Empty);
    }

    [Test]
    public async Task OffsetsAreCommittedAndFetchedAtTheMembersEpochOnly()
    {
        await using var h = await WithSixPartitionsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        Task<IReadOnlyList<ErrorCode>> Commit(string memberId, int epoch) => h.CommitAsync(42, generation: epoch, memberId: memberId, topic: Topic);

        Assert.That(await Commit(member.MemberId, 1), Is.EqualTo(new[] { ErrorCode.None }));
        Assert.That(await Commit(member.MemberId, 2), Is.EqualTo(new[] { ErrorCode.StaleMemberEpoch }), "an epoch ahead is stale too, as Kafka answers a commit");
        Assert.That(await Commit("nobody", 1), Is.EqualTo(new[] { ErrorCode.UnknownMemberId }));
        Assert.That(await Commit("", -1), Is.EqualTo(new[] { ErrorCode.UnknownMemberId }), "an admin's commit only to a group without members");
        var second = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await second.JoinAsync();
        await member.HeartbeatAsync();
        Assert.That(member.Epoch, Is.EqualTo(1), "it revokes first");
        await member.HeartbeatAsync();
        Assert.That(member.Epoch, Is.EqualTo(2));
        Assert.That(await Commit(member.MemberId, 1), Is.EqualTo(new[] { ErrorCode.StaleMemberEpoch }));

        var fetched = await h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [(Topic, [0])], memberId: member.MemberId, memberEpoch: 2);
        Assert.That(fetched.Error, Is.EqualTo(ErrorCode.None));
        Assert.That(fetched.Offsets.Single().Offset, Is.EqualTo(42));
        var stale = await h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [(Topic, [0])], memberId: member.MemberId, memberEpoch: 1);
        Assert.That(stale.Error, Is.EqualTo(ErrorCode.StaleMemberEpoch));
        var admin = await h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [(Topic, [0])]);
        Assert.That(admin.Offsets.Single().Offset, Is.EqualTo(42));

        await member.LeaveAsync();
        await second.LeaveAsync();
        Assert.That(await Commit("", -1), Is.EqualTo(new[] { ErrorCode.None }), "without members an admin may commit");
    }

    [Test]
    public async Task AClassicJoinOfAnotherProtocolTypeToAConsumerGroupWithMembersIsInconsistentAndAnEmptyOneBecomesClassic()
    {
        await using var h = await WithSixPartitionsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        var refused = await h.JoinAsync(protocolType: "connect");
        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.InconsistentGroupProtocol));

        await member.LeaveAsync();
        var joined = await h.JoinAsync();
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group), Is.Null);
        await h.RestartAsync();
        Assert.That(h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group), Is.Null, "the conversion is in the log");
    }

    [Test]
    public async Task OffsetsOfTopicsTheMembersSubscribeToDoNotExpire()
    {
        await using var h = new GroupHarness(new() { ["offsets.retention.minutes"] = "1" });
        await h.Metadata.CreateTopic(Topic, 6, new Dictionary<string, string>());
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        Assert.That(await h.CommitAsync(7, generation: 1, memberId: member.MemberId, topic: Topic), Is.EqualTo(new[] { ErrorCode.None }));
        Assert.That(await h.CommitAsync(9, topic: "other", group: "simple"), Is.EqualTo(new[] { ErrorCode.None }), "a simple group's, for comparison");
        for (var elapsed = 0; elapsed <= 60_000; elapsed += 5000)
        {
            await h.AdvanceAsync(5000);
            await member.HeartbeatAsync();
        }

        await h.Coordinator.ExpireOffsets();

        Assert.That(await h.CommittedAsync("other", group: "simple"), Is.EqualTo(-1), "past offsets.retention.minutes");
        Assert.That(await h.CommittedAsync(Topic), Is.EqualTo(7), "a subscribed topic's offset stays");
    }

    [Test]
    public async Task AMemberThatNeverRevokesIsFencedAfterItsRebalanceTimeout()
    {
        await using var h = await WithSixPartitionsAsync();
        var holder = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic) { HoldRevocations = true };
        await holder.JoinAsync();
        var waiting = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await waiting.JoinAsync();
        await holder.HeartbeatAsync();
        Assert.That(Group(h).Members[holder.MemberId].State, Is.EqualTo(MemberState.UnrevokedPartitions));

        // Both keep heartbeating (so no session expires), but the holder never gives its partitions up.
        for (var elapsed = 0; elapsed < GroupHarness.RebalanceTimeoutMs - 5000; elapsed += 5000)
        {
            await h.AdvanceAsync(5000);
            await holder.HeartbeatAsync();
            await waiting.HeartbeatAsync();
        }
        Assert.That(Group(h).Members.Keys, Does.Contain(holder.MemberId), "within its rebalance timeout");
        await h.AdvanceAsync(5000);
        Assert.That(Group(h).Members.Keys, Is.EquivalentTo(new[] { waiting.MemberId }), "fenced once its rebalance timeout ran out");
        await SettleMembersAsync(h, waiting);
        Assert.That(waiting.Owned, Has.Count.EqualTo(6));
    }

    [Test]
    public async Task AStaticMemberThatLeftWithMinusTwoIsRemovedWhenItsSessionRunsOut()
    {
        await using var h = await WithSixPartitionsAsync();
        var away = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "away");
        await away.JoinAsync();
        var other = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await other.JoinAsync();
        await SettleMembersAsync(h, away, other);
        await away.LeaveAsync(ConsumerGroup.LeaveGroupStaticMemberEpoch);

        for (var elapsed = 0; elapsed < SessionTimeoutMs - 5000; elapsed += 5000)
        {
            await h.AdvanceAsync(5000);
            await other.HeartbeatAsync();
        }
        Assert.That(other.Owned, Has.Count.EqualTo(3), "the partitions of a static member away stay its own within its session");
        await h.AdvanceAsync(5000);
        await SettleMembersAsync(h, other);
        Assert.That(Group(h).Members.Keys, Is.EquivalentTo(new[] { other.MemberId }));
        Assert.That(other.Owned, Has.Count.EqualTo(6));
    }

    [Test]
    public async Task ListGroupsShowsAConsumerGroupWithItsTypeAndStateOnce()
    {
        await using var h = await WithSixPartitionsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        await h.CommitAsync(3, generation: 1, memberId: member.MemberId, topic: Topic);
        await h.CommitAsync(5, group: "simple");

        var all = await h.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData());
        Assert.That(all.Groups.Select(g => $"{g.GroupId} {g.ProtocolType} {g.GroupState} {g.GroupType}"),
            Is.EqualTo(new[] { $"{GroupHarness.Group} consumer Stable consumer", "simple  Empty classic" }), "the consumer group once, though its offsets are kept with classic ones");
        var consumers = await h.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData { TypesFilter = ["Consumer"], StatesFilter = ["stable"] });
        Assert.That(consumers.Groups.Select(g => g.GroupId), Is.EqualTo(new[] { GroupHarness.Group }));
        var classic = await h.SendAsync<ListGroupsResponseData>(5, new ListGroupsRequestData { TypesFilter = ["classic"] });
        Assert.That(classic.Groups.Select(g => g.GroupId), Is.EqualTo(new[] { "simple" }));
    }

    [Test]
    public async Task DeleteGroupsRefusesAConsumerGroupWithMembersAndDeletesAnEmptyOneWithItsOffsets()
    {
        await using var h = await WithSixPartitionsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        await h.CommitAsync(3, generation: 1, memberId: member.MemberId, topic: Topic);

        Assert.That(await h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.NonEmptyGroup));
        Assert.That(await h.CommittedAsync(Topic), Is.EqualTo(3));

        await member.LeaveAsync();
        Assert.That(await h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.None));
        Assert.That(await h.CommittedAsync(Topic), Is.EqualTo(-1));
        Assert.That(h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group), Is.Null);
        Assert.That(await h.Coordinator.DeleteGroupAsync(GroupHarness.Group), Is.EqualTo(ErrorCode.GroupIdNotFound));
    }

    [Test]
    public async Task DescribeGroupsAnswersAConsumerGroupAsNoClassicGroup()
    {
        await using var h = await WithSixPartitionsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await member.JoinAsync();
        await h.CommitAsync(3, generation: 1, memberId: member.MemberId, topic: Topic);

        var described = await h.Coordinator.DescribeGroupAsync(GroupHarness.Group);

        Assert.That((ErrorCode)described.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That(described.GroupState, Is.EqualTo("Dead"));
        Assert.That(described.Members, Is.Empty);
    }
}
