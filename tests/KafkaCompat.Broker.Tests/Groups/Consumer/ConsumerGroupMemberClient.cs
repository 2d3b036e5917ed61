using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Groups.Consumer;

/// <summary>
/// A KIP-848 member as a client drives it: it joins with epoch 0, then heartbeats with its epoch and
/// the partitions it owns; an assignment in an answer replaces what it owns at once (revoking what
/// the assignment leaves out), unless <see cref="HoldRevocations"/> keeps the old ones. It subscribes
/// to the topics named in <c>topic</c> (comma-separated), or by <c>regex</c> when given.
/// </summary>
internal sealed class ConsumerGroupMemberClient(GroupHarness harness, string memberId, string topic, string? instanceId = null, string? assignor = null, short version = 1,
    string? regex = null)
{
    public string MemberId { get; private set; } = memberId;

    public int Epoch { get; private set; }

    public HashSet<TopicIdPartition> Owned { get; private set; } = [];

    /// <summary>While set, the member keeps reporting partitions the coordinator asked it to revoke.</summary>
    public bool HoldRevocations { get; set; }

    public ConsumerGroupHeartbeatResponseData? Last { get; private set; }

    public Task<ConsumerGroupHeartbeatResponseData> JoinAsync() => SendAsync(new ConsumerGroupHeartbeatRequestData
    {
        GroupId = GroupHarness.Group,
        MemberId = MemberId,
        MemberEpoch = 0,
        InstanceId = instanceId,
        RebalanceTimeoutMs = GroupHarness.RebalanceTimeoutMs,
        SubscribedTopicNames = regex is null ? [.. topic.Split(',')] : null,
        SubscribedTopicRegex = regex,
        ServerAssignor = assignor,
        TopicPartitions = [],
    });

    public Task<ConsumerGroupHeartbeatResponseData> HeartbeatAsync() => SendAsync(new ConsumerGroupHeartbeatRequestData
    {
        GroupId = GroupHarness.Group,
        MemberId = MemberId,
        MemberEpoch = Epoch,
        InstanceId = instanceId,
        TopicPartitions = OwnedPartitions(),
    });

    /// <summary>A heartbeat that changes the subscription, as a client sends after subscribe(): to <paramref name="topics"/> (comma-separated), or to <paramref name="newRegex"/>.</summary>
    public Task<ConsumerGroupHeartbeatResponseData> ResubscribeAsync(string? topics = null, string? newRegex = null) => SendAsync(new ConsumerGroupHeartbeatRequestData
    {
        GroupId = GroupHarness.Group,
        MemberId = MemberId,
        MemberEpoch = Epoch,
        InstanceId = instanceId,
        SubscribedTopicNames = topics is null ? null : [.. topics.Split(',')],
        SubscribedTopicRegex = newRegex,
        TopicPartitions = OwnedPartitions(),
    });

    private List<ConsumerGroupHeartbeatRequestData.TopicPartitionsData> OwnedPartitions() => Owned.GroupBy(p => p.TopicId)
        .Select(g => new ConsumerGroupHeartbeatRequestData.TopicPartitionsData { TopicId = g.Key, Partitions = g.Select(p => p.Partition).ToList() }).ToList();

    public Task<ConsumerGroupHeartbeatResponseData> LeaveAsync(int epoch = ConsumerGroup.LeaveGroupMemberEpoch) => SendAsync(new ConsumerGroupHeartbeatRequestData
    {
        GroupId = GroupHarness.Group,
        MemberId = MemberId,
        MemberEpoch = epoch,
        InstanceId = instanceId,
    });

    public async Task<ConsumerGroupHeartbeatResponseData> SendAsync(ConsumerGroupHeartbeatRequestData request)
    {
        var response = await harness.Coordinator.ConsumerGroupHeartbeatAsync(request, version, "client", "/127.0.0.1");
        Last = response;
        if (response.ErrorCode != 0)
        {
            return response;
        }
        MemberId = response.MemberId!;
        Epoch = response.MemberEpoch;
        if (response.Assignment is { } assignment)
        {
            var assigned = assignment.TopicPartitions.SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p))).ToHashSet();
            Owned = HoldRevocations ? [.. Owned.Union(assigned)] : assigned;
        }
        return response;
    }

    public static string NewId() => Uuid.NewRandom().ToString();
}
