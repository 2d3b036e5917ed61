using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// Consumer-group subscriptions following the cluster (KIP-848): regular expressions resolved in the
/// background and written as records, topics created later picked up, new partitions and deleted
/// topics reaching the target assignment through the metadata hash (KIP-1101), and all of it the same
/// after a reload. Times are those of the hand-moved clock.
/// </summary>
public class ConsumerGroupSubscriptionTests
{
    private const string Regex = "orders-.*";

    private static async Task<GroupHarness> WithOrdersTopicsAsync()
    {
        var h = new GroupHarness();
        await h.Metadata.CreateTopic("orders-eu", 2, new Dictionary<string, string>());
        await h.Metadata.CreateTopic("orders-us", 2, new Dictionary<string, string>());
        await h.Metadata.CreateTopic("orders", 1, new Dictionary<string, string>());
        await h.Metadata.CreateTopic("pre-orders-x", 1, new Dictionary<string, string>());
        await h.SettleAsync();
        return h;
    }

    private static ConsumerGroup Group(GroupHarness h) => h.Coordinator.ShardOf(GroupHarness.Group)!.FindConsumerGroup(GroupHarness.Group)!;

    private static string[] OwnedTopics(GroupHarness h, ConsumerGroupMemberClient member) =>
        [.. member.Owned.Select(p => $"{h.Metadata.Image.Topic(p.TopicId)!.Name}-{p.Partition}").Order(StringComparer.Ordinal)];

    /// <summary>Heartbeats, lets background resolutions and their writes finish, heartbeats again until the member is stable.</summary>
    private static async Task HeartbeatUntilStableAsync(GroupHarness h, params ConsumerGroupMemberClient[] members)
    {
        for (var round = 0; round < 10; round++)
        {
            foreach (var member in members)
            {
                var response = await member.HeartbeatAsync();
                Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.None), response.ErrorMessage);
            }
            await h.SettleAsync();
            if (Group(h).State == ConsumerGroupState.Stable && members.All(m => m.Epoch == Group(h).GroupEpoch))
            {
                return;
            }
        }
        Assert.Fail($"the group did not become stable: {Group(h).State}");
    }

    private static async Task<ConsumerGroupMemberClient> RegexMemberAsync(GroupHarness h, string regex = Regex)
    {
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "", regex: regex);
        var joined = await member.JoinAsync();
        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        return member;
    }

    [Test]
    public async Task ARegexMemberGetsThePartitionsOfTheTopicsItMatchesWholeOnceResolved()
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = await RegexMemberAsync(h);
        Assert.That(member.Owned, Is.Empty, "the regular expression is resolved in the background, after the join's answer");

        await h.SettleAsync();
        var resolved = Group(h).ResolvedRegularExpressions[Regex];
        Assert.That(resolved.Topics, Is.EqualTo(new[] { "orders-eu", "orders-us" }), "whole names only: not 'orders', not 'pre-orders-x'");
        Assert.That(resolved.TimestampMs, Is.EqualTo(h.Time.NowMs));
        await HeartbeatUntilStableAsync(h, member);
        Assert.That(OwnedTopics(h, member), Is.EqualTo(new[] { "orders-eu-0", "orders-eu-1", "orders-us-0", "orders-us-1" }));
    }

    [Test]
    public async Task ATopicCreatedLaterIsPickedUpAtTheFirstHeartbeatTenSecondsAfterTheLastResolution()
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = await RegexMemberAsync(h);
        await h.SettleAsync();
        await HeartbeatUntilStableAsync(h, member);
        var epoch = Group(h).GroupEpoch;

        await h.Metadata.CreateTopic("orders-asia", 3, new Dictionary<string, string>());
        await h.SettleAsync();
        await h.AdvanceAsync(5000);
        await member.HeartbeatAsync();
        await h.SettleAsync();
        Assert.That(Group(h).ResolvedRegularExpressions[Regex].Topics, Does.Not.Contain("orders-asia"),
            "within REGEX_BATCH_REFRESH_MIN_INTERVAL_MS of the last resolution nothing is resolved again");

        await h.AdvanceAsync(GroupCoordinatorShard.RegexBatchRefreshMinIntervalMs - 5000 + 1);
        await member.HeartbeatAsync();
        await h.SettleAsync();
        Assert.That(Group(h).ResolvedRegularExpressions[Regex].Topics, Does.Contain("orders-asia"));
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(epoch + 1), "the new resolution bumps the group epoch");
        await HeartbeatUntilStableAsync(h, member);
        Assert.That(OwnedTopics(h, member).Where(p => p.StartsWith("orders-asia", StringComparison.Ordinal)), Has.Exactly(3).Items);
    }

    [Test]
    public async Task WithoutNewTopicsTheRegexIsResolvedAgainAfterTheRefreshInterval()
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = await RegexMemberAsync(h);
        await h.SettleAsync();
        await HeartbeatUntilStableAsync(h, member);
        var resolvedAt = Group(h).ResolvedRegularExpressions[Regex].TimestampMs;
        var epoch = Group(h).GroupEpoch;

        // group.consumer.regex.refresh.interval.ms is 600000 by default; the member heartbeats within its session meanwhile.
        while (h.Time.NowMs - resolvedAt <= 600_000)
        {
            await h.AdvanceAsync(30_000);
            await member.HeartbeatAsync();
            await h.SettleAsync();
            Assert.That(Group(h).ResolvedRegularExpressions[Regex].TimestampMs, h.Time.NowMs - resolvedAt <= 600_000 ? Is.EqualTo(resolvedAt) : Is.EqualTo(h.Time.NowMs));
        }
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(epoch), "the same topics: resolved again without a rebalance");
    }

    [Test]
    public async Task ASecondMemberWithAResolvedRegexBumpsTheEpochAtOnceAndTheLastOneLeavingTombstonesTheResolution()
    {
        await using var h = await WithOrdersTopicsAsync();
        var first = await RegexMemberAsync(h);
        await h.SettleAsync();
        await HeartbeatUntilStableAsync(h, first);

        var second = await RegexMemberAsync(h);
        Assert.That(second.Epoch, Is.EqualTo(Group(h).GroupEpoch));
        await HeartbeatUntilStableAsync(h, first, second);
        Assert.That(first.Owned.Count + second.Owned.Count, Is.EqualTo(4));
        Assert.That(second.Owned, Has.Count.EqualTo(2));

        await first.LeaveAsync();
        Assert.That(Group(h).ResolvedRegularExpressions, Contains.Key(Regex), "another member still subscribes to it");
        await second.LeaveAsync();
        Assert.That(Group(h).ResolvedRegularExpressions, Is.Empty);
    }

    [TestCase("(orders)-\\1", TestName = "a backreference")]
    [TestCase("orders(?=-eu)", TestName = "a lookahead")]
    [TestCase("(?<!pre-)orders", TestName = "a lookbehind")]
    [TestCase("(?>orders)", TestName = "an atomic group")]
    [TestCase("orders\\Z", TestName = "\\Z")]
    [TestCase("o{1001}", TestName = "a repetition count over 1000")]
    [TestCase("(?x)orders", TestName = "the x flag")]
    [TestCase("orders(", TestName = "a missing parenthesis")]
    [TestCase("orders++", TestName = "a possessive quantifier")]
    public async Task ARegexRE2JRefusesIsAnInvalidRegularExpression(string regex)
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "", regex: regex);
        var refused = await member.JoinAsync();
        Assert.That((ErrorCode)refused.ErrorCode, Is.EqualTo(ErrorCode.InvalidRegularExpression));
        Assert.That(refused.ErrorMessage, Does.StartWith($"SubscribedTopicRegex `{regex}` is not a valid regular expression: "));
    }

    [Test]
    public async Task PartitionsAddedToASubscribedTopicAreAssignedWithoutTheMemberChangingAnything()
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "orders-eu");
        await member.JoinAsync();
        await HeartbeatUntilStableAsync(h, member);
        var hash = Group(h).MetadataHash;
        Assert.That(member.Owned, Has.Count.EqualTo(2));

        Assert.That((await h.Metadata.CreatePartitions("orders-eu", 5)).Error, Is.EqualTo(ErrorCode.None));
        await h.SettleAsync();
        Assert.That(Group(h).MetadataRefreshDeadline.HasExpired(h.Time.NowMs, Group(h).GroupEpoch), "the change to a subscribed topic makes the next heartbeat look");
        await HeartbeatUntilStableAsync(h, member);

        Assert.That(OwnedTopics(h, member), Is.EqualTo(Enumerable.Range(0, 5).Select(p => $"orders-eu-{p}")));
        Assert.That(Group(h).MetadataHash, Is.Not.EqualTo(hash));
    }

    [Test]
    public async Task ADeletedSubscribedTopicLeavesTheAssignment()
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "orders-eu,orders-us");
        await member.JoinAsync();
        await HeartbeatUntilStableAsync(h, member);
        Assert.That(member.Owned, Has.Count.EqualTo(4));

        var usId = h.Metadata.Image.Topic("orders-us")!.Id;
        Assert.That((await h.Metadata.DeleteTopic("orders-us", Uuid.Zero)).Result.Error, Is.EqualTo(ErrorCode.None));
        await h.SettleAsync();
        await HeartbeatUntilStableAsync(h, member);

        Assert.That(member.Owned.Select(p => p.TopicId), Has.None.EqualTo(usId));
        Assert.That(member.Owned, Has.Count.EqualTo(2));
        Assert.That(Group(h).TargetOf(member.MemberId).Select(p => p.TopicId), Has.None.EqualTo(usId));
    }

    [Test]
    public async Task AGroupWithoutMetadataChangesDoesNotLookAgain()
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "orders-eu");
        await member.JoinAsync();
        await HeartbeatUntilStableAsync(h, member);
        var epoch = Group(h).GroupEpoch;

        await h.Metadata.CreatePartitions("orders-us", 4);
        await h.Metadata.CreateTopic("unrelated", 1, new Dictionary<string, string>());
        await h.SettleAsync();

        Assert.That(Group(h).MetadataRefreshDeadline.HasExpired(h.Time.NowMs, Group(h).GroupEpoch), Is.False, "no topic it subscribes to changed");
        await member.HeartbeatAsync();
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(epoch));
    }

    [Test]
    public async Task AfterARestartRegexResolutionsAndTheMetadataHashAreWhatTheyWereLive()
    {
        await using var h = await WithOrdersTopicsAsync();
        var byRegex = await RegexMemberAsync(h);
        var byName = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "orders");
        await byName.JoinAsync();
        await h.SettleAsync();
        await HeartbeatUntilStableAsync(h, byRegex, byName);
        await h.Metadata.CreatePartitions("orders", 3);
        await h.SettleAsync();
        await HeartbeatUntilStableAsync(h, byRegex, byName);
        Assert.That(Group(h).MetadataHash, Is.Not.Zero);
        Assert.That(Group(h).ResolvedRegularExpressions, Has.Count.EqualTo(1));
        var live = ConsumerGroupHeartbeatTests.Describe(Group(h));

        await h.RestartAsync();

        Assert.That(ConsumerGroupHeartbeatTests.Describe(Group(h)), Is.EqualTo(live));
        Assert.That(Group(h).MetadataRefreshDeadline.HasExpired(h.Time.NowMs, Group(h).GroupEpoch), "a loaded group looks at its metadata on its first heartbeat");
        var epoch = Group(h).GroupEpoch;
        await byRegex.HeartbeatAsync();
        await byName.HeartbeatAsync();
        Assert.That(Group(h).GroupEpoch, Is.EqualTo(epoch), "the same topics hash the same after the restart: no rebalance");
    }

    [Test]
    public async Task AConsumerGroupPartitionMetadataRecordOfAnOlderKafkaIsTombstonedAtTheNextRefresh()
    {
        await using var h = await WithOrdersTopicsAsync();
        var member = new ConsumerGroupMemberClient(h, ConsumerGroupMemberClient.NewId(), "orders-eu");
        await member.JoinAsync();
        var shard = h.Coordinator.ShardOf(GroupHarness.Group)!;
        await shard.Executor.Submit(() =>
        {
            shard.Replay(new CoordinatorRecord.ConsumerGroupPartitionMetadata(GroupHarness.Group, new() { Topics = [new() { TopicName = "orders-eu", NumPartitions = 2 }] }));
            return 0;
        });
        Assert.That(Group(h).HasSubscriptionMetadataRecord);

        await h.Metadata.CreatePartitions("orders-eu", 3);
        await h.SettleAsync();
        await member.HeartbeatAsync();

        Assert.That(Group(h).HasSubscriptionMetadataRecord, Is.False);
        await h.RestartAsync();
        Assert.That(Group(h).HasSubscriptionMetadataRecord, Is.False, "the tombstone is in the log");
    }
}
