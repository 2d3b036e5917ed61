using KafkaCompat.Broker.Tests.Groups;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Handlers;

/// <summary>ConsumerGroupHeartbeat through its handler and the wire format, at both versions (v1: KIP-1082, the client generates its member id).</summary>
public class ConsumerGroupHeartbeatHandlerTests
{
    [TestCase((short)0, "")]
    [TestCase((short)1, "client-generated-id")]
    [HandlerVersionTest(ApiKey.ConsumerGroupHeartbeat, 0)]
    [HandlerVersionTest(ApiKey.ConsumerGroupHeartbeat, 1)]
    public async Task AMemberJoinsGetsThePartitionsOfItsTopicAndLeaves(short version, string memberId)
    {
        await using var h = new GroupHarness();
        var topicId = h.Metadata.Image.Topic("t")!.Id;

        var joined = await h.SendAsync<ConsumerGroupHeartbeatResponseData>(version, new ConsumerGroupHeartbeatRequestData
        {
            GroupId = "g", MemberId = memberId, MemberEpoch = 0, RebalanceTimeoutMs = 30_000, SubscribedTopicNames = ["t"], TopicPartitions = [],
        });

        Assert.That((ErrorCode)joined.ErrorCode, Is.EqualTo(ErrorCode.None), joined.ErrorMessage);
        Assert.That(joined.MemberId, memberId.Length == 0 ? Is.Not.Empty : Is.EqualTo(memberId));
        Assert.That(joined.MemberEpoch, Is.EqualTo(1));
        Assert.That(joined.HeartbeatIntervalMs, Is.EqualTo(5000));
        Assert.That(joined.Assignment!.TopicPartitions.Single().TopicId, Is.EqualTo(topicId));
        Assert.That(joined.Assignment.TopicPartitions.Single().Partitions, Is.EqualTo(new[] { 0, 1, 2 }));

        var left = await h.SendAsync<ConsumerGroupHeartbeatResponseData>(version, new ConsumerGroupHeartbeatRequestData { GroupId = "g", MemberId = joined.MemberId!, MemberEpoch = -1 });
        Assert.That((ErrorCode)left.ErrorCode, Is.EqualTo(ErrorCode.None));
        Assert.That(left.MemberEpoch, Is.EqualTo(-1));
        var gone = await h.SendAsync<ConsumerGroupHeartbeatResponseData>(version, new ConsumerGroupHeartbeatRequestData { GroupId = "g", MemberId = joined.MemberId!, MemberEpoch = 1 });
        Assert.That((ErrorCode)gone.ErrorCode, Is.EqualTo(ErrorCode.UnknownMemberId));
    }
}
