using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups.Share;

/// <summary>
/// A KIP-932 share member as a client drives it: it joins with epoch 0 and its subscription, then
/// heartbeats with its epoch; an assignment in an answer replaces its partitions.
/// </summary>
internal sealed class ShareGroupMemberClient(GroupHarness harness, string topic, string group = GroupHarness.Group)
{
    public string MemberId { get; } = Uuid.NewRandom().ToString();

    public int Epoch { get; private set; }

    public HashSet<TopicIdPartition> Assigned { get; private set; } = [];

    public Task<ShareGroupHeartbeatResponseData> JoinAsync() =>
        SendAsync(new ShareGroupHeartbeatRequestData { GroupId = group, MemberId = MemberId, MemberEpoch = 0, SubscribedTopicNames = [topic] });

    public Task<ShareGroupHeartbeatResponseData> HeartbeatAsync() =>
        SendAsync(new ShareGroupHeartbeatRequestData { GroupId = group, MemberId = MemberId, MemberEpoch = Epoch });

    public Task<ShareGroupHeartbeatResponseData> LeaveAsync() =>
        SendAsync(new ShareGroupHeartbeatRequestData { GroupId = group, MemberId = MemberId, MemberEpoch = -1 });

    public async Task<ShareGroupHeartbeatResponseData> SendAsync(ShareGroupHeartbeatRequestData request)
    {
        var response = await harness.Coordinator.ShareGroupHeartbeatAsync(request, "client", "/127.0.0.1");
        // What the heartbeat started (share-partition initialization) completes before the test looks.
        await harness.SettleAsync();
        if (response.ErrorCode != 0)
        {
            return response;
        }
        Epoch = response.MemberEpoch;
        if (response.Assignment is { } assignment)
        {
            Assigned = assignment.TopicPartitions.SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p))).ToHashSet();
        }
        return response;
    }
}
