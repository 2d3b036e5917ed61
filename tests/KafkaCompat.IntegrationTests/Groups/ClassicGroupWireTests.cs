using KafkaCompat.IntegrationTests.Fixtures;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.IntegrationTests.Groups;

/// <summary>
/// Classic-group request sequences that clients send only on rare timing, replayed exactly with raw
/// JoinGroup/SyncGroup requests against the broker in this process (JoinGroup v5: KIP-394 member ids
/// and KIP-345 instance ids, no KIP-814 skip_assignment).
/// </summary>
[TestFixture]
public sealed class ClassicGroupWireTests
{
    private const short JoinVersion = 5;
    private const short SyncVersion = 3;
    private const int SessionTimeoutMs = 2000;

    /// <summary>librdkafka's default max.poll.interval.ms: the time the fault made a rebalance take.</summary>
    private const int RebalanceTimeoutMs = 300_000;

    private static readonly TimeSpan WellBeforeTheRebalanceTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A consumer protocol assignment (v0) of no partitions.</summary>
    private static readonly byte[] Assignment = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private InProcessBroker _broker = null!;

    [OneTimeSetUp]
    public async Task StartBroker() => _broker = await InProcessBroker.StartAsync(
        "group.initial.rebalance.delay.ms=200",
        "group.min.session.timeout.ms=1000",
        "offsets.topic.num.partitions=1",
        "offsets.topic.replication.factor=1");

    [OneTimeTearDown]
    public async Task StopBroker() => await _broker.DisposeAsync();

    [TearDown]
    public void ShowBrokerLogOnFailure() => _broker.Log.ShowTailIfTestFailed(60);

    [Test]
    public async Task AMemberIdHandedOutAndNeverUsedDoesNotHoldTheNextRebalance()
    {
        const string group = "wire-abandoned-member-id";
        using var client = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        // The client drops the answer of its first JoinGroup and starts over.
        var abandoned = await JoinAsync(client, group, memberId: "");
        var assigned = await JoinAsync(client, group, memberId: "");
        Assert.That((ErrorCode)abandoned.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
        Assert.That((ErrorCode)assigned.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
        var memberId = assigned.MemberId;
        var first = await JoinAsync(client, group, memberId);
        Assert.That((ErrorCode)first.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(first.Leader, Is.EqualTo(memberId));
        var synced = await SyncAsync(client, group, first.GenerationId, memberId, leaderAssigns: true);
        Assert.That((ErrorCode)synced.ErrorCode, Is.EqualTo(ErrorCode.None));

        // The only member rejoins, as librdkafka's leader does when a subscribed topic appears.
        var rejoin = JoinAsync(client, group, memberId);
        var finished = await Task.WhenAny(rejoin, Task.Delay(WellBeforeTheRebalanceTimeout));
        Assert.That(finished, Is.SameAs(rejoin),
            $"the rebalance must end once the unused id's {SessionTimeoutMs} ms session timeout passes, not at the {RebalanceTimeoutMs} ms rebalance timeout");
        var second = await rejoin;
        Assert.That((ErrorCode)second.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(second.GenerationId, Is.EqualTo(first.GenerationId + 1));
        Assert.That(second.Members.Select(m => m.MemberId), Is.EqualTo(new[] { memberId }), "the unused id never became a member");
    }

    [Test]
    public async Task ARestartedStaticLeaderBeforeKip814IsToldTheOldLeaderAndNoMembers()
    {
        const string group = "wire-static-leader";
        string oldMemberId;
        using (var before = await KafkaWireClient.ConnectAsync(_broker.BoundPort))
        {
            var joined = await JoinAsync(before, group, memberId: "", instanceId: "pod-1");
            Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), "a static member gets no MEMBER_ID_REQUIRED");
            oldMemberId = joined.MemberId;
            var synced = await SyncAsync(before, group, joined.GenerationId, oldMemberId, leaderAssigns: true, instanceId: "pod-1");
            Assert.That((ErrorCode)synced.ErrorCode, Is.EqualTo(ErrorCode.None));
        }

        using var after = await KafkaWireClient.ConnectAsync(_broker.BoundPort);
        var rejoined = await JoinAsync(after, group, memberId: "", instanceId: "pod-1");
        Assert.That((ErrorCode)rejoined.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(rejoined.MemberId, Is.Not.EqualTo(oldMemberId));
        Assert.That(rejoined.Leader, Is.EqualTo(oldMemberId), "a v5 answer cannot say skip_assignment: the member must see itself as a follower");
        Assert.That(rejoined.Members, Is.Empty);
        var synced2 = await SyncAsync(after, group, rejoined.GenerationId, rejoined.MemberId, leaderAssigns: false, instanceId: "pod-1");
        Assert.That((ErrorCode)synced2.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(synced2.Assignment.ToArray(), Is.EqualTo(Assignment), "the assignment it had before the restart");
    }

    private static Task<JoinGroupResponseData> JoinAsync(KafkaWireClient client, string group, string memberId, string? instanceId = null)
    {
        var request = new JoinGroupRequestData
        {
            GroupId = group,
            SessionTimeoutMs = SessionTimeoutMs,
            RebalanceTimeoutMs = RebalanceTimeoutMs,
            MemberId = memberId,
            GroupInstanceId = instanceId,
            ProtocolType = "consumer",
        };
        request.Protocols.Add(new JoinGroupRequestData.JoinGroupRequestProtocol { Name = "range", Metadata = Subscription("wire-topic") });
        return client.SendAsync<JoinGroupResponseData>(request, JoinVersion);
    }

    private static Task<SyncGroupResponseData> SyncAsync(KafkaWireClient client, string group, int generation, string memberId, bool leaderAssigns, string? instanceId = null)
    {
        var request = new SyncGroupRequestData { GroupId = group, GenerationId = generation, MemberId = memberId, GroupInstanceId = instanceId };
        if (leaderAssigns)
        {
            request.Assignments.Add(new SyncGroupRequestData.SyncGroupRequestAssignment { MemberId = memberId, Assignment = Assignment });
        }
        return client.SendAsync<SyncGroupResponseData>(request, SyncVersion);
    }

    /// <summary>A consumer protocol subscription: its version (0) before the v0 body.</summary>
    private static byte[] Subscription(string topic)
    {
        var body = new ConsumerProtocolSubscription { Topics = [topic] }.Serialize(0);
        var bytes = new byte[2 + body.Length];
        body.CopyTo(bytes, 2);
        return bytes;
    }
}
