using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaCompat.IntegrationTests.Fixtures;
using static KafkaCompat.IntegrationTests.Fixtures.KafkaClients;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// Consumer groups (classic protocol) with Confluent.Kafka 2.15.1 / librdkafka 2.15.1 consumers
/// that Subscribe, against the broker in this process. Every expected value comes from what the
/// test produced and which consumers it started, stopped or killed.
/// </summary>
[TestFixture]
public sealed class ConsumerGroupTests
{
    /// <summary>
    /// No initial rebalance delay (it is not what these tests measure); the default
    /// group.min.session.timeout.ms (6 s) so consumers can use the shortest session; a single
    /// broker holds the only replica of __consumer_offsets.
    /// </summary>
    internal static readonly string[] BrokerOverrides =
    [
        "num.partitions=3",
        "group.initial.rebalance.delay.ms=0",
        $"group.min.session.timeout.ms={GroupConsumer.SessionTimeoutMs}",
        "offsets.topic.replication.factor=1",
    ];

    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);

    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(BrokerOverrides);

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(120);

    private string Bootstrap => _broker.BootstrapServers;

    [Test]
    public async Task ThreeMembersShareSixPartitionsSurviveAKillAndALeaveAndCommitEveryRecordOnce()
    {
        const string topic = "group-six-partitions";
        const string group = "group-three-members";
        const int partitions = 6;
        await CreateTopicAsync(Bootstrap, topic, partitions);
        var all = Enumerable.Range(0, partitions).ToArray();
        var sent = new List<string>();
        sent.AddRange(await ProduceAsync(Bootstrap, topic, partitions, "first", 120));

        using var a = new GroupConsumer(Bootstrap, group, "member-a");
        using var b = new GroupConsumer(Bootstrap, group, "member-b");
        using var c = new GroupConsumer(Bootstrap, group, "member-c");
        GroupConsumer[] members = [a, b, c];
        // Every partition owned by exactly one member, and each member owns some (range: 2 each).
        GroupConsumer.SubscribeAndShare(members, topic, all, 2, Bounded);
        GroupConsumer.PollUntil(members, () => GroupConsumer.AllCommitted(members, sent.Count), Bounded, "the first records committed");

        // Kill c: no LeaveGroup, no more heartbeats. Its partitions move after the session timeout.
        var ofKilled = c.Partitions;
        c.Dispose();
        var killedAt = System.Diagnostics.Stopwatch.StartNew();
        sent.AddRange(await ProduceAsync(Bootstrap, topic, partitions, "after-kill", 120));
        GroupConsumer[] survivors = [a, b];
        GroupConsumer.PollUntil(survivors, () => survivors.SelectMany(m => m.Partitions).Order().SequenceEqual(all), TimeSpan.FromMilliseconds(GroupConsumer.SessionTimeoutMs) + Bounded, "the killed member's partitions moving to the others");
        var moved = killedAt.Elapsed;
        TestContext.Progress.WriteLine($"partitions [{string.Join(",", ofKilled)}] of the killed member moved after {moved.TotalMilliseconds:0} ms");
        Assert.That(moved, Is.GreaterThan(TimeSpan.FromMilliseconds(GroupConsumer.SessionTimeoutMs / 2)), "moved before the session could expire: the killed consumer left the group instead of dying");
        Assert.That(moved, Is.LessThan(TimeSpan.FromMilliseconds(GroupConsumer.SessionTimeoutMs + 6_000)), "the killed member's partitions move within the session timeout (plus a rejoin)");
        Assert.That(survivors.All(m => m.Partitions.Length == 3), Is.True, "two members, three partitions each: " + GroupConsumer.Describe(survivors));
        GroupConsumer.PollUntil(survivors, () => GroupConsumer.AllCommitted(members, sent.Count), Bounded, "the records produced after the kill committed");

        // b leaves with Close(): LeaveGroup, so a gets everything at its next heartbeat, not after a session.
        sent.AddRange(await ProduceAsync(Bootstrap, topic, partitions, "after-leave", 120));
        var leftAt = System.Diagnostics.Stopwatch.StartNew();
        b.Close();
        GroupConsumer.PollUntil([a], () => a.Partitions.SequenceEqual(all), Bounded, "the leaving member's partitions moving to the last one");
        var rebalanced = leftAt.Elapsed;
        TestContext.Progress.WriteLine($"rebalance after a LeaveGroup took {rebalanced.TotalMilliseconds:0} ms");
        Assert.That(rebalanced, Is.LessThan(TimeSpan.FromMilliseconds(GroupConsumer.SessionTimeoutMs / 2)), "a member leaving rebalances at once, not after the session timeout");
        GroupConsumer.PollUntil([a], () => GroupConsumer.AllCommitted(members, sent.Count), Bounded, "the records produced after the leave committed");
        GroupConsumer.PollFor([a], TimeSpan.FromMilliseconds(500));

        // Exactly once: each record committed by exactly one successful Commit, none missing.
        GroupConsumer.AssertEveryRecordCommittedOnce(members, sent);
        var committedOffsets = a.Consumer.Committed(all.Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        Assert.That(committedOffsets.OrderBy(o => o.Partition.Value).Select(o => o.Offset.Value), Is.EqualTo(all.Select(_ => (long)(sent.Count / partitions))), "committed offsets: the end of every partition");
        a.Close();
    }

    [Test]
    public async Task StaticMemberRestartingGetsItsAssignmentBackWithoutARebalance()
    {
        const string topic = "group-static";
        const string group = "group-static-member";
        await CreateTopicAsync(Bootstrap, topic, 4);
        var all = Enumerable.Range(0, 4).ToArray();
        await ProduceAsync(Bootstrap, topic, 4, "static", 40);

        var staticMember = new GroupConsumer(Bootstrap, group, "static-member", configure: c => c.GroupInstanceId = "static-instance-1");
        using var other = new GroupConsumer(Bootstrap, group, "dynamic-member");
        try
        {
            staticMember.Subscribe(topic);
            other.Subscribe(topic);
            GroupConsumer[] both = [staticMember, other];
            GroupConsumer.PollUntil(both, () => both.All(m => m.Partitions.Length == 2) && both.SelectMany(m => m.Partitions).Order().SequenceEqual(all), Bounded, "two members sharing four partitions");
            GroupConsumer.PollFor(both, TimeSpan.FromSeconds(1));
            var staticPartitions = staticMember.Partitions;
            var otherPartitions = other.Partitions;
            var otherMemberId = other.Consumer.MemberId;
            var otherEvents = other.Events.Count;

            // The static member's process dies (no LeaveGroup) and comes back with the same group.instance.id within the session.
            staticMember.Dispose();
            staticMember = new GroupConsumer(Bootstrap, group, "static-member", configure: c => c.GroupInstanceId = "static-instance-1");
            staticMember.Subscribe(topic);
            GroupConsumer[] restarted = [staticMember, other];
            GroupConsumer.PollUntil(restarted, () => staticMember.Partitions.Length > 0, Bounded, "the restarted static member getting an assignment");
            // Long enough for several heartbeats of the other member: a rebalance would reach it.
            GroupConsumer.PollFor(restarted, TimeSpan.FromSeconds(2));

            Assert.That(staticMember.Partitions, Is.EqualTo(staticPartitions), "the restarted static member's assignment");
            Assert.That(staticMember.Events.Where(e => e.Partitions.Length > 0).Select(e => e.ToString()), Is.EqualTo(new[] { new RebalanceEvent(RebalanceKind.Assigned, staticPartitions).ToString() }), "the restarted member is assigned its old partitions once");
            Assert.That(other.Events.Skip(otherEvents).Select(e => e.ToString()), Is.Empty, "no revocation or assignment on the other member: no rebalance");
            Assert.That(other.Partitions, Is.EqualTo(otherPartitions), "the other member's assignment");
            Assert.That(other.Consumer.MemberId, Is.EqualTo(otherMemberId), "the other member's id");
            Assert.That(other.Errors, Is.Empty, "errors on the other member");
        }
        finally
        {
            staticMember.Dispose();
        }
    }

    [Test]
    public async Task CooperativeStickyMovesOnlyThePartitionsThatChangeOwner()
    {
        const string topic = "group-cooperative";
        const string group = "group-cooperative-sticky";
        await CreateTopicAsync(Bootstrap, topic, 4);
        var all = Enumerable.Range(0, 4).ToArray();
        var sent = await ProduceAsync(Bootstrap, topic, 4, "coop", 80);
        Action<ConsumerConfig> cooperative = c => c.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;

        using var first = new GroupConsumer(Bootstrap, group, "coop-first", configure: cooperative);
        first.Subscribe(topic);
        GroupConsumer.PollUntil([first], () => first.Partitions.SequenceEqual(all), Bounded, "the first member assigned every partition");

        using var second = new GroupConsumer(Bootstrap, group, "coop-second", configure: cooperative);
        second.Subscribe(topic);
        GroupConsumer[] both = [first, second];
        GroupConsumer.PollUntil(both, () => both.All(m => m.Partitions.Length == 2) && both.SelectMany(m => m.Partitions).Order().SequenceEqual(all), Bounded, "two cooperative members sharing four partitions");
        sent.AddRange(await ProduceAsync(Bootstrap, topic, 4, "coop-more", 40));
        GroupConsumer.PollUntil(both, () => GroupConsumer.AllCommitted(both, sent.Count), Bounded, "every record committed");
        GroupConsumer.PollFor(both, TimeSpan.FromMilliseconds(500));

        var firstEvents = first.Events.Where(e => e.Partitions.Length > 0).ToList();
        var secondEvents = second.Events.Where(e => e.Partitions.Length > 0).ToList();
        var describe = GroupConsumer.Describe(both);
        // Incremental: the first member gives up only what the second gets, and keeps the rest throughout.
        Assert.That(firstEvents.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            new RebalanceEvent(RebalanceKind.Assigned, all).ToString(),
            new RebalanceEvent(RebalanceKind.Revoked, second.Partitions).ToString(),
        }), "the first member's incremental assign and revoke. " + describe);
        Assert.That(secondEvents.Select(e => e.ToString()), Is.EqualTo(new[] { new RebalanceEvent(RebalanceKind.Assigned, second.Partitions).ToString() }), "the second member's incremental assign. " + describe);
        Assert.That(first.Partitions, Is.EqualTo(all.Except(second.Partitions)), "the first member keeps the partitions it was not asked to give up");
        GroupConsumer.AssertEveryRecordCommittedOnce(both, sent);
        first.Close();
        second.Close();
    }

    [Test]
    public async Task AdminViewsListDescribeLagDeleteAndResetAsKafkaConsumerGroupsShowsThem()
    {
        const string topic = "group-admin";
        const string group = "group-admin-views";
        const int partitions = 3;
        await CreateTopicAsync(Bootstrap, topic, partitions);
        var all = Enumerable.Range(0, partitions).ToArray();
        var tps = all.Select(p => new TopicPartition(topic, p)).ToList();
        var sent = await ProduceAsync(Bootstrap, topic, partitions, "admin", 90);
        using var admin = Admin(Bootstrap);

        using var m1 = new GroupConsumer(Bootstrap, group, "admin-member-1");
        using var m2 = new GroupConsumer(Bootstrap, group, "admin-member-2");
        GroupConsumer[] both = [m1, m2];
        m1.Subscribe(topic);
        m2.Subscribe(topic);
        GroupConsumer.PollUntil(both, () => both.All(m => m.Partitions.Length > 0) && both.SelectMany(m => m.Partitions).Order().SequenceEqual(all), Bounded, "two members sharing three partitions");
        GroupConsumer.PollUntil(both, () => GroupConsumer.AllCommitted(both, sent.Count), Bounded, "the first 90 records committed");
        // Five more per partition, consumed but not committed: a lag of 5 on every partition.
        foreach (var member in both)
        {
            member.CommitEach = false;
        }
        await ProduceAsync(Bootstrap, topic, partitions, "admin-lag", 15);
        GroupConsumer.PollUntil(both, () => both.Sum(m => m.Delivered.Count - m.Committed.Count) >= 15, Bounded, "the 15 uncommitted records delivered");

        // kafka-consumer-groups --list (with state).
        var listed = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        var listing = listed.Valid.SingleOrDefault(g => g.GroupId == group);
        Assert.That(listing, Is.Not.Null, $"{group} in ListGroups: {string.Join(", ", listed.Valid.Select(g => g.GroupId))}");
        Assert.That(listing!.State, Is.EqualTo(ConsumerGroupState.Stable), "state of the group with two members");
        Assert.That(listing.IsSimpleConsumerGroup, Is.False, "a group of subscribed consumers is not a simple group");

        // kafka-consumer-groups --describe --members --verbose.
        var description = (await admin.DescribeConsumerGroupsAsync([group], new DescribeConsumerGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(10) })).ConsumerGroupDescriptions.Single();
        Assert.That(description.Error.Code, Is.EqualTo(ErrorCode.NoError), "describe error");
        Assert.That(description.State, Is.EqualTo(ConsumerGroupState.Stable), "described state");
        Assert.That(description.IsSimpleConsumerGroup, Is.False, "described as a consumer group");
        Assert.That(description.PartitionAssignor, Is.EqualTo("range"), "librdkafka's first assignor (range,roundrobin) chosen");
        Assert.That(description.Members.Select(m => m.ClientId), Is.EquivalentTo(both.Select(m => m.Name)), "members' client ids");
        foreach (var member in both)
        {
            var described = description.Members.Single(d => d.ClientId == member.Name);
            Assert.That(described.ConsumerId, Is.EqualTo(member.Consumer.MemberId), $"member id of {member.Name}");
            Assert.That(described.Host, Does.Contain("127.0.0.1"), $"host of {member.Name}");
            Assert.That(described.Assignment.TopicPartitions.Select(tp => tp.Topic).Distinct(), Is.EqualTo(new[] { topic }), $"assigned topic of {member.Name}");
            Assert.That(described.Assignment.TopicPartitions.Select(tp => tp.Partition.Value).Order(), Is.EqualTo(member.Partitions), $"assignment of {member.Name} as it sees it");
        }

        // --describe --offsets: committed offset, end offset, lag.
        var offsets = await ListOffsetsAsync(admin, group, tps);
        Assert.That(offsets, Is.EqualTo(all.Select(_ => 30L)), "committed offsets: 30 records per partition committed");
        var ends = tps.Select(tp => m1.Consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value).ToList();
        Assert.That(ends, Is.EqualTo(all.Select(_ => 35L)), "end offsets: 35 records per partition produced");
        Assert.That(ends.Zip(offsets, (end, committed) => end - committed), Is.EqualTo(all.Select(_ => 5L)), "lag: the 5 uncommitted records per partition");

        // --delete while members are active: refused.
        var refused = Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([group], new DeleteGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(10) }));
        Assert.That(refused!.Results.Single().Error.Code, Is.EqualTo(ErrorCode.NonEmptyGroup), "deleting a group with members");

        m1.Close();
        m2.Close();
        await WaitForStateAsync(admin, group, ConsumerGroupState.Empty);
        var empty = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
        Assert.That(empty.Members, Is.Empty, "members after both closed");
        Assert.That(await ListOffsetsAsync(admin, group, tps), Is.EqualTo(all.Select(_ => 30L)), "an empty group keeps its offsets");

        // --reset-offsets --to-offset on the empty group (an OffsetCommit outside any generation).
        long[] reset = [10, 20, 0];
        await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(group, [.. all.Select(p => new TopicPartitionOffset(topic, p, reset[p]))])]);
        Assert.That(await ListOffsetsAsync(admin, group, tps), Is.EqualTo(reset), "offsets after the reset");

        // A new member starts where the reset put the group.
        var expected = all.Sum(p => 35 - reset[p]);
        using (var m3 = new GroupConsumer(Bootstrap, group, "admin-member-3", commitEach: false))
        {
            m3.Subscribe(topic);
            GroupConsumer.PollUntil([m3], () => m3.Delivered.Count >= expected, Bounded, "the records after the reset offsets");
            GroupConsumer.PollFor([m3], TimeSpan.FromMilliseconds(500));
            foreach (var p in all)
            {
                Assert.That(m3.Delivered.Where(r => r.Partition.Value == p).Select(r => r.Offset.Value), Is.EqualTo(Enumerable.Range((int)reset[p], 35 - (int)reset[p]).Select(o => (long)o)), $"partition {p} read from the reset offset {reset[p]} to the end");
            }
            m3.Close();
        }

        // A plain commit (assign, no subscribe) on the empty group: the other way to reset offsets.
        using (var plain = Consumer(Bootstrap, c => c.GroupId = group))
        {
            plain.Commit([new TopicPartitionOffset(topic, 0, 33), new TopicPartitionOffset(topic, 1, 34), new TopicPartitionOffset(topic, 2, 35)]);
        }
        Assert.That(await ListOffsetsAsync(admin, group, tps), Is.EqualTo(new long[] { 33, 34, 35 }), "offsets after a commit on the empty group");

        // --delete once empty: the group and its offsets are gone.
        await WaitForStateAsync(admin, group, ConsumerGroupState.Empty);
        await admin.DeleteGroupsAsync([group], new DeleteGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        var afterDelete = await admin.ListConsumerGroupsAsync();
        Assert.That(afterDelete.Valid.Select(g => g.GroupId), Does.Not.Contain(group), "listed groups after the delete");
        Assert.That(await ListOffsetsAsync(admin, group, tps), Is.EqualTo(all.Select(_ => Offset.Unset.Value)), "offsets after the delete");
    }

    /// <summary>
    /// Produces <paramref name="count"/> records round-robin over the partitions (record i to
    /// partition i % partitions); returns their values.
    /// </summary>
    internal static async Task<List<string>> ProduceAsync(string bootstrapServers, string topic, int partitions, string prefix, int count)
    {
        var values = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToList();
        using var producer = Producer(bootstrapServers);
        var reports = values.Select((value, i) => producer.ProduceAsync(new TopicPartition(topic, i % partitions), new Message<byte[]?, byte[]?> { Key = Bytes($"key-{i}"), Value = Bytes(value) })).ToList();
        await Task.WhenAll(reports);
        return values;
    }

    internal static async Task<long[]> ListOffsetsAsync(IAdminClient admin, string group, List<TopicPartition> partitions)
    {
        var result = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, partitions)], new ListConsumerGroupOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(10) })).Single();
        Assert.That(result.Partitions.Select(p => p.Error.Code).Distinct(), Is.EqualTo(new[] { ErrorCode.NoError }), $"errors listing the offsets of {group}");
        return [.. result.Partitions.OrderBy(p => p.Partition.Value).Select(p => p.Offset.Value)];
    }

    private static async Task WaitForStateAsync(IAdminClient admin, string group, ConsumerGroupState state)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ConsumerGroupState? last = null;
        while (clock.Elapsed < Bounded)
        {
            last = (await admin.ListConsumerGroupsAsync()).Valid.SingleOrDefault(g => g.GroupId == group)?.State;
            if (last == state)
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{group} not {state} after {Bounded.TotalSeconds} s (last: {last})");
    }
}
