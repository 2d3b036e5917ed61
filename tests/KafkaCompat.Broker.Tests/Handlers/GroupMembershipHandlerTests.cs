using KafkaCompat.Broker.Groups;
using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>FindCoordinator, JoinGroup, SyncGroup, Heartbeat and LeaveGroup: a consumer's life in a classic group.</summary>
public class GroupMembershipHandlerTests
{
    private const string Group = GroupHarness.Group;

    [TestCase((short)0)]
    [TestCase((short)6)]
    [HandlerVersionTest(ApiKey.FindCoordinator, 0)]
    [HandlerVersionTest(ApiKey.FindCoordinator, 6)]
    public async Task FindCoordinatorNamesThisNodeForEveryGroup(short version)
    {
        await using var harness = new GroupHarness();
        var request = version >= 4
            ? new FindCoordinatorRequestData { KeyType = 0, CoordinatorKeys = [Group, "another-group"] }
            : new FindCoordinatorRequestData { Key = Group };

        var response = await harness.SendAsync<FindCoordinatorResponseData>(version, request);

        if (version >= 4)
        {
            // KIP-699: one answer per key, each naming its key.
            Assert.That(response.Coordinators.Select(c => (c.Key, c.ErrorCode, c.NodeId, c.Host, c.Port)), Is.EqualTo(new[]
            {
                (Group, (short)0, 1, "localhost", 9092), ("another-group", (short)0, 1, "localhost", 9092),
            }));
        }
        else
        {
            Assert.That((response.ErrorCode, response.NodeId, response.Host, response.Port), Is.EqualTo(((short)0, 1, "localhost", 9092)));
        }
        Assert.That(harness.Metadata.Image.Topic("__consumer_offsets"), Is.Not.Null, "asking for a group coordinator creates the offsets topic");
    }

    [TestCase((short)0)]
    [TestCase((short)9)]
    [HandlerVersionTest(ApiKey.JoinGroup, 0)]
    [HandlerVersionTest(ApiKey.JoinGroup, 9)]
    public async Task JoinGroupMakesTheFirstMemberLeaderOfGenerationOne(short version)
    {
        await using var harness = new GroupHarness();
        var subscription = GroupHarness.Subscription("t");
        var request = new JoinGroupRequestData
        {
            GroupId = Group,
            SessionTimeoutMs = GroupHarness.SessionTimeoutMs,
            RebalanceTimeoutMs = version >= 1 ? GroupHarness.RebalanceTimeoutMs : -1,
            MemberId = "",
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = subscription }],
        };

        var response = await harness.SendAsync<JoinGroupResponseData>(version, request);
        if (version >= 4)
        {
            // KIP-394: a member without an id is given one and must join again with it.
            Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.MemberIdRequired));
            Assert.That(response.MemberId, Does.StartWith("handler-test-"), "member ids start with the client id");
            request.MemberId = response.MemberId;
            response = await harness.SendAsync<JoinGroupResponseData>(version, request);
        }

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(response.MemberId, Does.StartWith("handler-test-"));
        Assert.That((response.GenerationId, response.Leader, response.ProtocolName), Is.EqualTo((1, response.MemberId, "range")));
        var member = response.Members.Single();
        Assert.That((member.MemberId, member.Metadata.ToArray()), Is.EqualTo((response.MemberId, subscription)), "the leader gets every member's subscription");
        if (version >= 7)
        {
            Assert.That(response.ProtocolType, Is.EqualTo("consumer"));
        }
        Assert.That(harness.GroupState()!.State, Is.EqualTo(ClassicGroupState.CompletingRebalance));
    }

    [TestCase((short)0)]
    [TestCase((short)5)]
    [HandlerVersionTest(ApiKey.SyncGroup, 0)]
    [HandlerVersionTest(ApiKey.SyncGroup, 5)]
    public async Task SyncGroupHandsTheLeaderItsOwnAssignment(short version)
    {
        await using var harness = new GroupHarness();
        var joined = await harness.JoinAsync();
        byte[] assignment = [0, 1, 0, 0, 0, 1];
        var request = new SyncGroupRequestData
        {
            GroupId = Group,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            Assignments = [new() { MemberId = joined.MemberId, Assignment = assignment }],
        };
        if (version >= 5)
        {
            request.ProtocolType = "consumer";
            request.ProtocolName = "range";
        }

        var response = await harness.SendAsync<SyncGroupResponseData>(version, request);

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(response.Assignment.ToArray(), Is.EqualTo(assignment));
        Assert.That(harness.GroupState()!.State, Is.EqualTo(ClassicGroupState.Stable));
        if (version >= 5)
        {
            // KIP-559: the group's protocol type and name come back.
            Assert.That((response.ProtocolType, response.ProtocolName), Is.EqualTo(("consumer", "range")));
        }
    }

    [Test]
    [HandlerVersionTest(ApiKey.SyncGroup, 5)]
    public async Task SyncGroupV5WithAnotherProtocolNameIsInconsistentGroupProtocol()
    {
        await using var harness = new GroupHarness();
        var joined = await harness.JoinAsync();
        var request = new SyncGroupRequestData { GroupId = Group, GenerationId = joined.GenerationId, MemberId = joined.MemberId, ProtocolType = "consumer", ProtocolName = "roundrobin" };

        var response = await harness.SendAsync<SyncGroupResponseData>(5, request);

        Assert.That((ErrorCode)response.ErrorCode, Is.EqualTo(ErrorCode.InconsistentGroupProtocol));
    }

    [TestCase((short)0)]
    [TestCase((short)4)]
    [HandlerVersionTest(ApiKey.Heartbeat, 0)]
    [HandlerVersionTest(ApiKey.Heartbeat, 4)]
    public async Task HeartbeatAcceptsTheCurrentMemberAndGenerationOnly(short version)
    {
        await using var harness = new GroupHarness();
        var member = await harness.StableSingleMemberAsync();

        async Task<ErrorCode> Beat(string memberId, int generation) =>
            (ErrorCode)(await harness.SendAsync<HeartbeatResponseData>(version, new HeartbeatRequestData { GroupId = Group, MemberId = memberId, GenerationId = generation })).ErrorCode;

        Assert.That(await Beat(member, 1), Is.EqualTo(ErrorCode.None));
        Assert.That(await Beat(member, 2), Is.EqualTo(ErrorCode.IllegalGeneration));
        Assert.That(await Beat("someone-else", 1), Is.EqualTo(ErrorCode.UnknownMemberId));
    }

    [TestCase((short)0)]
    [TestCase((short)5)]
    [HandlerVersionTest(ApiKey.LeaveGroup, 0)]
    [HandlerVersionTest(ApiKey.LeaveGroup, 5)]
    public async Task LeaveGroupRemovesTheMemberAndEmptiesTheGroup(short version)
    {
        await using var harness = new GroupHarness();
        var member = await harness.StableSingleMemberAsync();
        var request = version >= 3
            ? new LeaveGroupRequestData { GroupId = Group, Members = [new() { MemberId = member, Reason = "shutting down" }, new() { MemberId = "never-joined" }] }
            : new LeaveGroupRequestData { GroupId = Group, MemberId = member };

        var response = await harness.SendAsync<LeaveGroupResponseData>(version, request);

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(harness.GroupState()!.State, Is.EqualTo(ClassicGroupState.Empty));
        if (version >= 3)
        {
            // KIP-345: an answer per member named.
            Assert.That(response.Members.Select(m => (m.MemberId, (ErrorCode)m.ErrorCode)), Is.EqualTo(new[]
            {
                (member, ErrorCode.None), ("never-joined", ErrorCode.UnknownMemberId),
            }));
        }
    }

    [Test]
    [HandlerVersionTest(ApiKey.LeaveGroup, 5)]
    public async Task LeaveGroupV5RemovesAStaticMemberByItsInstanceIdAlone()
    {
        await using var harness = new GroupHarness();
        await harness.StableSingleMemberAsync(instanceId: "instance-1");
        // KIP-345: an admin (kafka-consumer-groups --delete-members) knows only the group.instance.id.
        var request = new LeaveGroupRequestData { GroupId = Group, Members = [new() { MemberId = "", GroupInstanceId = "instance-1" }] };

        var response = await harness.SendAsync<LeaveGroupResponseData>(5, request);

        Assert.That(response.ErrorCode, Is.Zero);
        Assert.That(response.Members.Select(m => (m.GroupInstanceId, (ErrorCode)m.ErrorCode)), Is.EqualTo(new[] { ("instance-1", ErrorCode.None) }));
        Assert.That(harness.GroupState()!.State, Is.EqualTo(ClassicGroupState.Empty));
    }
}
