using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// KIP-848 online migration on the group coordinator, with the hand-moved clock: a classic group
/// upgraded by a ConsumerGroupHeartbeat join, its classic members still speaking JoinGroup, SyncGroup,
/// Heartbeat and OffsetCommit in the consumer group, a classic member joining a consumer group, the
/// downgrade when the last member of the new protocol leaves, <c>group.consumer.migration.policy</c>,
/// and each state rebuilt from the records after a restart.
/// </summary>
public class OnlineMigrationTests
{
    private const string Topic = "six";

    private static async Task<GroupHarness> WithSixPartitionsAsync(string? policy = null, int? consumerMaxSize = null)
    {
        var configs = new Dictionary<string, string>();
        if (policy is not null)
        {
            configs["group.consumer.migration.policy"] = policy;
        }
        if (consumerMaxSize is { } maxSize)
        {
            configs["group.consumer.max.size"] = maxSize.ToString();
        }
        var h = new GroupHarness(configs);
        await h.Metadata.CreateTopic(Topic, 6, new Dictionary<string, string>());
        return h;
    }

    private static ConsumerGroup? Group(GroupHarness h) => h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group);

    /// <summary>A classic consumer's subscription to the topic, at version 1 with the partitions it owns (a cooperative consumer's) or at 0.</summary>
    private static byte[] Subscription(params int[] owned)
    {
        var subscription = new ConsumerProtocolSubscription { Topics = [Topic] };
        short version = 0;
        if (owned.Length > 0)
        {
            version = 1;
            subscription.OwnedPartitions.Add(new ConsumerProtocolSubscription.TopicPartition { Topic = Topic, Partitions = [.. owned] });
        }
        return Prefixed(subscription.Serialize(version), version);
    }

    private static byte[] Assignment(params int[] partitions)
    {
        var assignment = new ConsumerProtocolAssignment();
        assignment.AssignedPartitions.Add(new ConsumerProtocolAssignment.TopicPartition { Topic = Topic, Partitions = [.. partitions] });
        return Prefixed(assignment.Serialize(0), 0);
    }

    private static byte[] Prefixed(byte[] body, short version)
    {
        var bytes = new byte[2 + body.Length];
        bytes[0] = (byte)(version >> 8);
        bytes[1] = (byte)version;
        body.CopyTo(bytes, 2);
        return bytes;
    }

    private static int[] PartitionsOf(ReadOnlyMemory<byte> assignment)
    {
        var reader = new KafkaReader(assignment[2..]);
        var read = ConsumerProtocolAssignment.ReadNew(ref reader, (short)((assignment.Span[0] << 8) | assignment.Span[1]));
        return [.. read.AssignedPartitions.Where(t => t.Topic == Topic).SelectMany(t => t.Partitions).Order()];
    }

    private static int[] PartitionsOf(IEnumerable<TopicIdPartition> partitions) => [.. partitions.Select(p => p.Partition).Order()];

    /// <summary>Two classic consumers at generation 2: the first owns partitions 0-2, the second 3-5.</summary>
    private static async Task<(string First, string Second)> StableClassicGroupAsync(GroupHarness h)
    {
        var first = await h.JoinAsync(metadata: Subscription());
        Assert.That((ErrorCode)(await h.SyncAsync(first.MemberId, first.GenerationId, new() { [first.MemberId] = Assignment(0, 1, 2, 3, 4, 5) })).ErrorCode, Is.EqualTo(ErrorCode.None));
        var secondJoin = h.JoinAsync(metadata: Subscription());
        var firstJoin = await h.JoinAsync(memberId: first.MemberId, metadata: Subscription());
        var second = await secondJoin;
        Assert.That(firstJoin.GenerationId, Is.EqualTo(2));
        var secondSync = h.SyncAsync(second.MemberId, 2);
        var firstSync = await h.SyncAsync(first.MemberId, 2, new() { [first.MemberId] = Assignment(0, 1, 2), [second.MemberId] = Assignment(3, 4, 5) });
        Assert.That((ErrorCode)firstSync.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(PartitionsOf((await secondSync).Assignment), Is.EqualTo(new[] { 3, 4, 5 }));
        return (first.MemberId, second.MemberId);
    }

    /// <summary>A classic member rejoins and syncs as an eager consumer does (owning nothing): its generation and partitions.</summary>
    private static async Task<(int Generation, int[] Partitions)> RejoinAndSyncAsync(GroupHarness h, string memberId, params int[] owned)
    {
        var joined = await h.JoinAsync(memberId: memberId, metadata: Subscription(owned));
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(joined.Leader, Is.Empty, "a classic member of a consumer group is never the leader");
        Assert.That(joined.ProtocolName, Is.EqualTo("range"));
        var synced = await h.SyncAsync(memberId, joined.GenerationId);
        Assert.That((ErrorCode)synced.ErrorCode, Is.EqualTo(ErrorCode.None));
        return (joined.GenerationId, PartitionsOf(synced.Assignment));
    }

    /// <summary>The classic group upgraded by a consumer member's join, then every member rejoined: each owns two partitions.</summary>
    private static async Task<(string First, string Second, ConsumerGroupMemberClient Third)> MixedStableGroupAsync(GroupHarness h)
    {
        var (first, second) = await StableClassicGroupAsync(h);
        var third = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        Assert.That((ErrorCode)(await third.JoinAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(await h.HeartbeatAsync(first, 2), Is.EqualTo(ErrorCode.RebalanceInProgress), "the group epoch moved on: the classic member must rejoin");
        Assert.That(await h.HeartbeatAsync(second, 2), Is.EqualTo(ErrorCode.RebalanceInProgress));
        var firstOwns = await RejoinAndSyncAsync(h, first);
        var secondOwns = await RejoinAndSyncAsync(h, second);
        await third.HeartbeatAsync();
        Assert.That(firstOwns.Generation, Is.EqualTo(3));
        Assert.That(secondOwns.Generation, Is.EqualTo(3));
        Assert.That(firstOwns.Partitions.Concat(secondOwns.Partitions).Concat(PartitionsOf(third.Owned)), Is.EquivalentTo(Enumerable.Range(0, 6)), "every partition owned once");
        Assert.That(new[] { firstOwns.Partitions.Length, secondOwns.Partitions.Length, third.Owned.Count }, Is.All.EqualTo(2));
        Assert.That(Group(h)!.State, Is.EqualTo(ConsumerGroupState.Stable));
        return (first, second, third);
    }

    [Test]
    public async Task AConsumerGroupHeartbeatUpgradesAClassicGroupWhoseMembersKeepTheirPartitionsUntilTheyRejoin()
    {
        await using var h = await WithSixPartitionsAsync();
        var (first, second) = await StableClassicGroupAsync(h);
        var third = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);

        var joined = await third.JoinAsync();

        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        Assert.That(joined.MemberEpoch, Is.EqualTo(3), "the group epoch starts at the classic generation (2) and the join bumps it");
        Assert.That(third.Owned, Is.Empty, "every partition is still a classic member's");
        var group = Group(h)!;
        Assert.That(group.Members[first].UsesClassicProtocol && group.Members[second].UsesClassicProtocol, Is.True);
        Assert.That(group.Members[first].ClassicMetadata!.SessionTimeoutMs, Is.EqualTo(GroupHarness.SessionTimeoutMs));
        Assert.That(group.Members[third.MemberId].UsesClassicProtocol, Is.False);
        Assert.That(group.Members[first].MemberEpoch, Is.EqualTo(2));
        Assert.That(PartitionsOf(group.Members[first].AssignedPartitions), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(PartitionsOf(group.Members[second].AssignedPartitions), Is.EqualTo(new[] { 3, 4, 5 }));
        Assert.That(h.GroupState()?.Members, Is.Null.Or.Empty, "the classic group is gone");
        Assert.That(await h.HeartbeatAsync(first, 1), Is.EqualTo(ErrorCode.IllegalGeneration));

        // The classic members learn of the rebalance by heartbeat, rejoin and sync; the new member gets what they gave up.
        await MixedRejoinAsync(h, first, second, third);

        var listed = await h.Coordinator.ListGroupsAsync(null, null, classic: true, consumer: true);
        var listedGroup = listed.Groups.Single(g => g.GroupId == GroupHarness.Group);
        Assert.That((listedGroup.ProtocolType, listedGroup.Type), Is.EqualTo(("consumer", ListedGroup.ConsumerType)), "listed once, as a consumer group");
        var described = (await h.Coordinator.ConsumerGroupDescribeAsync([GroupHarness.Group])).Single();
        Assert.That(described.Members.ToDictionary(m => m.MemberId, m => m.MemberType),
            Is.EquivalentTo(new Dictionary<string, sbyte> { [first] = 0, [second] = 0, [third.MemberId] = 1 }), "KIP-1099: 0 classic, 1 consumer");
    }

    private static async Task MixedRejoinAsync(GroupHarness h, string first, string second, ConsumerGroupMemberClient third)
    {
        Assert.That(await h.HeartbeatAsync(first, 2), Is.EqualTo(ErrorCode.RebalanceInProgress));
        var firstOwns = await RejoinAndSyncAsync(h, first);
        Assert.That(firstOwns.Generation, Is.EqualTo(3));
        Assert.That(firstOwns.Partitions, Has.Length.EqualTo(2).And.SubsetOf(new[] { 0, 1, 2 }), "sticky: it keeps two of its own");
        await third.HeartbeatAsync();
        Assert.That(third.Owned, Has.Count.EqualTo(1), "the partition the first gave up");
        var secondOwns = await RejoinAndSyncAsync(h, second);
        await third.HeartbeatAsync();
        Assert.That(firstOwns.Partitions.Concat(secondOwns.Partitions).Concat(PartitionsOf(third.Owned)), Is.EquivalentTo(Enumerable.Range(0, 6)));
        Assert.That(await h.HeartbeatAsync(first, 3), Is.EqualTo(ErrorCode.None));
        Assert.That(Group(h)!.State, Is.EqualTo(ConsumerGroupState.Stable));
    }

    [Test]
    public async Task ACooperativeClassicMemberKeepsItsEpochUntilItRevokedThenMovesOn()
    {
        await using var h = await WithSixPartitionsAsync();
        var (first, _) = await StableClassicGroupAsync(h);
        var third = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await third.JoinAsync();

        // It rejoins still owning its three partitions: told to keep two, at its old generation.
        var revoking = await RejoinAndSyncAsync(h, first, 0, 1, 2);
        Assert.That(revoking.Generation, Is.EqualTo(2));
        Assert.That(revoking.Partitions, Has.Length.EqualTo(2));
        Assert.That(Group(h)!.Members[first].State, Is.EqualTo(MemberState.UnrevokedPartitions));
        Assert.That(await h.HeartbeatAsync(first, 2), Is.EqualTo(ErrorCode.RebalanceInProgress), "it rejoins once it revoked");
        await third.HeartbeatAsync();
        Assert.That(third.Owned, Is.Empty, "the revoked partition is not free yet");

        var done = await RejoinAndSyncAsync(h, first, revoking.Partitions);
        Assert.That(done.Generation, Is.EqualTo(3));
        Assert.That(done.Partitions, Is.EqualTo(revoking.Partitions));
        await third.HeartbeatAsync();
        Assert.That(PartitionsOf(third.Owned), Is.EqualTo(new[] { 0, 1, 2 }.Except(revoking.Partitions)));
    }

    [Test]
    public async Task AfterARestartTheUpgradedGroupIsWhatItWasLive()
    {
        await using var h = await WithSixPartitionsAsync();
        await MixedStableGroupAsync(h);
        var live = Describe(Group(h)!);

        await h.RestartAsync();

        Assert.That(Describe(Group(h)!), Is.EqualTo(live));
        Assert.That(h.GroupState()?.Members, Is.Null.Or.Empty, "the classic group's tombstone is in the log");
    }

    private static string Describe(ConsumerGroup group) =>
        $"epoch {group.GroupEpoch} target epoch {group.AssignmentEpoch} {group.State}; "
        + string.Join("; ", group.Members.Values.OrderBy(m => m.MemberId).Select(m =>
            $"{m.MemberId} {m.MemberEpoch}/{m.PreviousMemberEpoch} {m.State} [{string.Join(",", m.SubscribedTopicNames)}] "
            + $"classic {m.ClassicMetadata?.SessionTimeoutMs} {string.Join(",", m.ClassicMetadata?.SupportedProtocols.Select(p => $"{p.Name}:{Convert.ToHexString(p.Metadata)}") ?? [])} "
            + $"assigned {string.Join(",", PartitionsOf(m.AssignedPartitions))} target {string.Join(",", PartitionsOf(group.TargetOf(m.MemberId)))}"));

    [Test]
    public async Task TheUpgradeIsRefusedWhenThePolicyDoesNotAllowIt([Values("disabled", "DOWNGRADE")] string policy)
    {
        await using var h = await WithSixPartitionsAsync(policy);
        var (first, _) = await StableClassicGroupAsync(h);
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);

        var refused = await member.JoinAsync();

        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.GroupIdNotFound));
        Assert.That(refused.ErrorMessage, Does.Contain("online upgrade is disabled"));
        Assert.That(Group(h), Is.Null);
        Assert.That(await h.HeartbeatAsync(first, 2), Is.EqualTo(ErrorCode.None), "the classic group goes on");
    }

    /// <summary>
    /// Kafka's validateOnlineUpgrade: a classic group with more members than <c>group.consumer.max.size</c>
    /// is not upgraded (GROUP_ID_NOT_FOUND); one with exactly that many would be, but is then full, so
    /// the joining member is turned away (GROUP_MAX_SIZE_REACHED) and nothing is written.
    /// </summary>
    [TestCase(1, ErrorCode.GroupIdNotFound)]
    [TestCase(2, ErrorCode.GroupMaxSizeReached)]
    public async Task AClassicGroupIsNotUpgradedPastTheConsumerGroupSizeLimit(int consumerMaxSize, ErrorCode expected)
    {
        await using var h = await WithSixPartitionsAsync(consumerMaxSize: consumerMaxSize);
        var (first, _) = await StableClassicGroupAsync(h);
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);

        var refused = await member.JoinAsync();

        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(expected), refused.ErrorMessage);
        Assert.That(Group(h), Is.Null);
        await h.RestartAsync();
        Assert.That(Group(h), Is.Null, "no conversion was written");
        Assert.That(h.GroupState()!.Members.Keys, Does.Contain(first));
    }

    /// <summary>
    /// A rolling upgrade of static members: the consumer restarted with <c>group.protocol=consumer</c>
    /// and the same <c>group.instance.id</c> takes over from the classic member at once (Kafka checks
    /// the release of an instance id only between members of the consumer protocol).
    /// </summary>
    [Test]
    public async Task AConsumerProtocolMemberTakesOverTheInstanceIdOfAStaticClassicMemberAtOnce()
    {
        await using var h = await WithSixPartitionsAsync();
        var consumer = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await consumer.JoinAsync();
        var classic = await h.JoinAsync(instanceId: "pod-1", metadata: Subscription());
        Assert.That((ErrorCode)classic.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(Group(h)!.StaticMember("pod-1")!.UsesClassicProtocol, Is.True);

        var upgraded = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "pod-1");
        var joined = await upgraded.JoinAsync();

        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        Assert.That(Group(h)!.Members.Keys, Is.EquivalentTo(new[] { consumer.MemberId, upgraded.MemberId }));
        Assert.That(Group(h)!.StaticMember("pod-1")!.UsesClassicProtocol, Is.False);
        await h.RestartAsync();
        Assert.That(Group(h)!.Members.Keys, Is.EquivalentTo(new[] { consumer.MemberId, upgraded.MemberId }), "the replacement is in the log");
    }

    [Test]
    public async Task WhenTheLastConsumerMemberLeavesTheGroupIsClassicAgainAndRebalances()
    {
        await using var h = await WithSixPartitionsAsync();
        var (first, second, third) = await MixedStableGroupAsync(h);
        var targets = new[] { first, second }.ToDictionary(id => id, id => PartitionsOf(Group(h)!.TargetOf(id)));

        Assert.That((ErrorCode)(await third.LeaveAsync()).ErrorCode, Is.EqualTo(ErrorCode.None));

        Assert.That(Group(h), Is.Null);
        var classic = h.GroupState()!;
        Assert.That(classic.State, Is.EqualTo(ClassicGroupState.PreparingRebalance));
        Assert.That(classic.Members.Keys, Is.EquivalentTo(new[] { first, second }));
        var generation = classic.GenerationId;
        Assert.That(generation, Is.EqualTo(3), "the generation is the consumer group's epoch");
        Assert.That(classic.Members.Values.ToDictionary(m => m.MemberId, m => PartitionsOf(m.Assignment)), Is.EquivalentTo(targets), "each keeps its target assignment");
        Assert.That(await h.HeartbeatAsync(first, generation), Is.EqualTo(ErrorCode.RebalanceInProgress));

        // An ordinary classic rebalance follows.
        var firstJoin = h.JoinAsync(memberId: first, metadata: Subscription());
        var secondJoin = await h.JoinAsync(memberId: second, metadata: Subscription());
        Assert.That((ErrorCode)secondJoin.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(secondJoin.GenerationId, Is.EqualTo(generation + 1));
        Assert.That((await firstJoin).GenerationId, Is.EqualTo(secondJoin.GenerationId));
        var leader = secondJoin.Leader;
        var follower = leader == first ? second : first;
        var followerSync = h.SyncAsync(follower, secondJoin.GenerationId);
        await h.SyncAsync(leader, secondJoin.GenerationId, new() { [leader] = Assignment(0, 1, 2), [follower] = Assignment(3, 4, 5) });
        Assert.That(PartitionsOf((await followerSync).Assignment), Is.EqualTo(new[] { 3, 4, 5 }));

        await h.RestartAsync();
        Assert.That(Group(h), Is.Null, "the downgrade is in the log");
        Assert.That(h.GroupState()!.Members.Keys, Is.EquivalentTo(new[] { first, second }));
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable));
    }

    [Test]
    public async Task WithTheUpgradeOnlyPolicyTheGroupStaysAConsumerGroup()
    {
        await using var h = await WithSixPartitionsAsync("upgrade");
        var (first, second, third) = await MixedStableGroupAsync(h);

        await third.LeaveAsync();

        Assert.That(Group(h)!.Members.Keys, Is.EquivalentTo(new[] { first, second }));
        Assert.That(await h.HeartbeatAsync(first, 3), Is.EqualTo(ErrorCode.RebalanceInProgress), "the leave bumped the group epoch");
    }

    [Test]
    public async Task AClassicMemberJoinsAConsumerGroupAsAMemberOfIt()
    {
        await using var h = await WithSixPartitionsAsync();
        var consumer = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await consumer.JoinAsync();
        Assert.That(consumer.Owned, Has.Count.EqualTo(6));

        var required = await h.JoinAsync(metadata: Subscription(), requireKnownMemberId: true);
        Assert.That((ErrorCode)required.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
        var memberId = required.MemberId;
        var first = await RejoinAndSyncAsync(h, memberId);
        Assert.That(first.Generation, Is.EqualTo(2));
        Assert.That(first.Partitions, Is.Empty, "its partitions are still the consumer member's");
        Assert.That(await h.HeartbeatAsync(memberId, 2), Is.EqualTo(ErrorCode.None), "nothing is free yet");

        await consumer.HeartbeatAsync();
        Assert.That(consumer.Owned, Has.Count.EqualTo(3));
        Assert.That(await h.HeartbeatAsync(memberId, 2), Is.EqualTo(ErrorCode.None), "the consumer member has not reported the revocation yet");
        await consumer.HeartbeatAsync();
        Assert.That(await h.HeartbeatAsync(memberId, 2), Is.EqualTo(ErrorCode.RebalanceInProgress), "its partitions are free: it rejoins to get them");
        var second = await RejoinAndSyncAsync(h, memberId);
        Assert.That(second.Generation, Is.EqualTo(2));
        Assert.That(second.Partitions.Concat(PartitionsOf(consumer.Owned)), Is.EquivalentTo(Enumerable.Range(0, 6)));

        Assert.That(await h.CommitAsync(7, generation: 2, memberId: memberId, topic: Topic, version: 8), Is.EqualTo(new[] { ErrorCode.None }),
            "a classic member may commit below v9");
        Assert.That(await h.CommitAsync(7, generation: consumer.Epoch, memberId: consumer.MemberId, topic: Topic, version: 8), Is.EqualTo(new[] { ErrorCode.UnsupportedVersion }),
            "a member of the consumer protocol may not");
        Assert.That(await h.CommitAsync(7, generation: 1, memberId: memberId, topic: Topic), Is.EqualTo(new[] { ErrorCode.IllegalGeneration }), "a classic member commits at its generation exactly");
        Assert.That((await h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [(Topic, [0])], memberId: memberId, memberEpoch: 2)).Offsets.Single().Offset, Is.EqualTo(7));
        Assert.That((await h.Coordinator.FetchOffsetsAsync(GroupHarness.Group, [(Topic, [0])], memberId: memberId, memberEpoch: 1)).Error, Is.EqualTo(ErrorCode.IllegalGeneration),
            "a classic member fetches at its generation exactly");
        var leave = await h.Coordinator.LeaveGroupAsync(GroupHarness.Group, [new MemberIdentity(consumer.MemberId, null)]);
        Assert.That(leave.Members.Single().Error, Is.EqualTo(ErrorCode.UnknownMemberId), "LeaveGroup removes classic members only");
    }

    [Test]
    public async Task AClassicMemberOfAConsumerGroupExpiresAfterItsOwnSessionTimeout()
    {
        await using var h = await WithSixPartitionsAsync();
        var consumer = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await consumer.JoinAsync();
        var joined = await h.JoinAsync(metadata: Subscription());
        var memberId = joined.MemberId;
        Assert.That(joined.GenerationId, Is.EqualTo(2));
        Assert.That((ErrorCode)(await h.SyncAsync(memberId, 2)).ErrorCode, Is.EqualTo(ErrorCode.None));

        await h.AdvanceAsync(GroupHarness.SessionTimeoutMs - 1);
        Assert.That(Group(h)!.Members, Does.ContainKey(memberId));
        await h.AdvanceAsync(1);

        Assert.That(Group(h)!.Members.Keys, Is.EqualTo(new[] { consumer.MemberId }), "fenced at its 10 s session timeout, not the consumer groups' 45 s");
        Assert.That(Group(h)!.GroupEpoch, Is.EqualTo(3));
    }

    [Test]
    public async Task AClassicMemberThatDoesNotSyncOrRejoinWithinItsRebalanceTimeoutIsFenced()
    {
        await using var h = await WithSixPartitionsAsync();
        var consumer = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await consumer.JoinAsync();
        // A session longer than the rebalance timeout, so that only the join and sync timeouts can fence.
        var silent = await h.JoinAsync(metadata: Subscription(), sessionTimeoutMs: 60_000);
        await h.AdvanceAsync(GroupHarness.RebalanceTimeoutMs - 1);
        Assert.That(Group(h)!.Members, Does.ContainKey(silent.MemberId));
        await h.AdvanceAsync(1);
        Assert.That(Group(h)!.Members, Does.Not.ContainKey(silent.MemberId), "no SyncGroup within the rebalance timeout");

        var late = await h.JoinAsync(metadata: Subscription(), sessionTimeoutMs: 60_000);
        Assert.That((ErrorCode)(await h.SyncAsync(late.MemberId, late.GenerationId)).ErrorCode, Is.EqualTo(ErrorCode.None));
        await consumer.HeartbeatAsync();
        await consumer.HeartbeatAsync();
        Assert.That(await h.HeartbeatAsync(late.MemberId, late.GenerationId), Is.EqualTo(ErrorCode.RebalanceInProgress), "its partitions are free");
        await h.AdvanceAsync(GroupHarness.RebalanceTimeoutMs / 2);
        Assert.That(await h.HeartbeatAsync(late.MemberId, late.GenerationId), Is.EqualTo(ErrorCode.RebalanceInProgress), "heartbeats do not excuse the rejoin");
        await h.AdvanceAsync(GroupHarness.RebalanceTimeoutMs / 2);
        Assert.That(Group(h)!.Members, Does.Not.ContainKey(late.MemberId), "no JoinGroup within the rebalance timeout of the first REBALANCE_IN_PROGRESS");
    }

    [Test]
    public async Task WhenTheLastConsumerMemberExpiresTheClassicMembersAreGivenBackAClassicGroup()
    {
        await using var h = await WithSixPartitionsAsync();
        var (first, second, _) = await MixedStableGroupAsync(h);

        // The classic members heartbeat within their 10 s sessions; the consumer member stops and expires after 45 s.
        for (var elapsed = 0; elapsed < 45_000; elapsed += 5_000)
        {
            Assert.That(await h.HeartbeatAsync(first, 3), Is.EqualTo(ErrorCode.None));
            Assert.That(await h.HeartbeatAsync(second, 3), Is.EqualTo(ErrorCode.None));
            await h.AdvanceAsync(5_000);
        }

        Assert.That(Group(h), Is.Null);
        Assert.That(h.GroupState()!.Members.Keys, Is.EquivalentTo(new[] { first, second }));
        Assert.That(h.GroupState()!.State, Is.EqualTo(ClassicGroupState.PreparingRebalance));
        Assert.That(await h.HeartbeatAsync(first, 3), Is.EqualTo(ErrorCode.RebalanceInProgress));
    }

    [Test]
    public async Task ARestartedStaticClassicMemberTakesOverItsInstancesPartitions()
    {
        await using var h = await WithSixPartitionsAsync();
        var consumer = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic);
        await consumer.JoinAsync();
        var before = await h.JoinAsync(instanceId: "instance-1", metadata: Subscription());
        await h.SyncAsync(before.MemberId, before.GenerationId, instanceId: "instance-1");
        await consumer.HeartbeatAsync();
        await consumer.HeartbeatAsync();
        Assert.That(await h.HeartbeatAsync(before.MemberId, before.GenerationId, "instance-1"), Is.EqualTo(ErrorCode.RebalanceInProgress));
        var owned = await h.JoinAsync(memberId: before.MemberId, instanceId: "instance-1", metadata: Subscription());
        var assignment = PartitionsOf((await h.SyncAsync(before.MemberId, owned.GenerationId, instanceId: "instance-1")).Assignment);
        Assert.That(assignment, Has.Length.EqualTo(3));
        var epoch = Group(h)!.GroupEpoch;

        var after = await h.JoinAsync(instanceId: "instance-1", metadata: Subscription());

        Assert.That((ErrorCode)after.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(after.MemberId, Is.Not.EqualTo(before.MemberId));
        Assert.That(Group(h)!.Members.Keys, Is.EquivalentTo(new[] { consumer.MemberId, after.MemberId }));
        Assert.That(Group(h)!.GroupEpoch, Is.EqualTo(epoch), "the same subscription under a new id: no new epoch");
        Assert.That(PartitionsOf((await h.SyncAsync(after.MemberId, after.GenerationId, instanceId: "instance-1")).Assignment), Is.EqualTo(assignment));
        Assert.That(await h.HeartbeatAsync(before.MemberId, owned.GenerationId, "instance-1"), Is.EqualTo(ErrorCode.FencedInstanceId));
    }

    [Test]
    public async Task AStaticClassicMemberReplacingTheLastConsumerMemberGivesTheGroupBackToTheClassicProtocol()
    {
        await using var h = await WithSixPartitionsAsync();
        var staticMember = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), Topic, instanceId: "instance-1");
        await staticMember.JoinAsync();
        var joined = await h.JoinAsync(metadata: Subscription());
        var first = joined.MemberId;
        await h.SyncAsync(first, joined.GenerationId);
        await staticMember.HeartbeatAsync();
        await staticMember.HeartbeatAsync();
        Assert.That(await h.HeartbeatAsync(first, 2), Is.EqualTo(ErrorCode.RebalanceInProgress));
        Assert.That((await RejoinAndSyncAsync(h, first)).Partitions, Has.Length.EqualTo(3));
        Assert.That(Group(h)!.State, Is.EqualTo(ConsumerGroupState.Stable));
        var epoch = Group(h)!.GroupEpoch;
        var target = PartitionsOf(Group(h)!.TargetOf(staticMember.MemberId));
        // The consumer-protocol instance leaves meaning to come back (epoch -2), and comes back speaking the classic protocol.
        await staticMember.LeaveAsync(ConsumerGroup.LeaveGroupStaticMemberEpoch);

        var rejoined = await h.JoinAsync(instanceId: "instance-1", metadata: Subscription());

        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(Group(h), Is.Null, "the group is classic again");
        var classic = h.GroupState()!;
        Assert.That(classic.Members.Keys, Is.EquivalentTo(new[] { first, rejoined.MemberId }));
        Assert.That(classic.State, Is.EqualTo(ClassicGroupState.Stable), "the same subscription: no rebalance");
        Assert.That(rejoined.GenerationId, Is.EqualTo(epoch));
        var synced = await h.SyncAsync(rejoined.MemberId, rejoined.GenerationId, instanceId: "instance-1");
        Assert.That(PartitionsOf(synced.Assignment), Is.EqualTo(target), "it takes over the instance's assignment");

        await h.RestartAsync();
        Assert.That(Group(h), Is.Null);
        Assert.That(h.GroupState()!.Members.Keys, Is.EquivalentTo(new[] { first, rejoined.MemberId }));
    }
}
