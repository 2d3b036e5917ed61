using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Broker.Tests.Share;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>ShareGroupHeartbeat and ShareGroupDescribe (KIP-932) through their handlers and the wire format, at version 1, the one Kafka 4.1+ serves.</summary>
public class ShareGroupHandlerTests
{
    [Test]
    [HandlerVersionTest(ApiKey.ShareGroupHeartbeat, 1)]
    [HandlerVersionTest(ApiKey.ShareGroupDescribe, 1)]
    public async Task TwoMembersJoinShareTheirPartitionAreDescribedAndLeave()
    {
        await using var h = new GroupHarness(sharePersister: new InMemoryShareStatePersister());
        var topicId = h.Metadata.Image.Topic("other")!.Id;
        ShareGroupHeartbeatRequestData Join(string member) => new() { GroupId = "q", MemberId = member, MemberEpoch = 0, SubscribedTopicNames = ["other"] };

        var first = await h.SendAsync<ShareGroupHeartbeatResponseData>(1, Join("m1"));
        await h.SettleAsync();
        var second = await h.SendAsync<ShareGroupHeartbeatResponseData>(1, Join("m2"));
        var firstAgain = await h.SendAsync<ShareGroupHeartbeatResponseData>(1, new ShareGroupHeartbeatRequestData { GroupId = "q", MemberId = "m1", MemberEpoch = first.MemberEpoch });

        Assert.That((ErrorCode)first.ErrorCode, Is.EqualTo(ErrorCode.None), first.ErrorMessage);
        Assert.That(first.Assignment!.TopicPartitions, Is.Empty, "the partition is initialized after the first answer");
        Assert.That(second.Assignment!.TopicPartitions.Single().TopicId, Is.EqualTo(topicId));
        Assert.That(firstAgain.Assignment!.TopicPartitions.Single().Partitions, Is.EqualTo(new[] { 0 }));
        Assert.That(firstAgain.HeartbeatIntervalMs, Is.EqualTo(5000));

        var described = await h.SendAsync<ShareGroupDescribeResponseData>(1, new ShareGroupDescribeRequestData { GroupIds = ["q", "", "unknown"], IncludeAuthorizedOperations = true });

        var group = described.Groups[0];
        Assert.That((group.GroupId, group.GroupState, group.AssignorName, group.GroupEpoch, group.AssignmentEpoch), Is.EqualTo(("q", "Stable", "simple", 2, 2)));
        Assert.That(group.Members.Select(m => $"{m.MemberId} {m.MemberEpoch} {m.ClientId} {string.Join(",", m.SubscribedTopicNames)} "
            + string.Join(",", m.Assignment.TopicPartitions.Select(t => $"{t.TopicName}:{string.Join("/", t.Partitions)}"))),
            Is.EqualTo(new[] { "m1 2 handler-test other other:0", "m2 2 handler-test other other:0" }));
        Assert.That(group.AuthorizedOperations, Is.Not.EqualTo(int.MinValue));
        Assert.That(described.Groups.Skip(1).Select(g => (ErrorCode)g.ErrorCode), Is.EqualTo(new[] { ErrorCode.InvalidGroupId, ErrorCode.GroupIdNotFound }));
        Assert.That(described.Groups[2].ErrorMessage, Is.EqualTo("Group unknown not found."));

        var left = await h.SendAsync<ShareGroupHeartbeatResponseData>(1, new ShareGroupHeartbeatRequestData { GroupId = "q", MemberId = "m1", MemberEpoch = -1 });
        Assert.That(left.MemberEpoch, Is.EqualTo(-1));
    }
}
