using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using static KafkaCompat.Broker.Groups.Consumer.ConsumerGroupRecords;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// KIP-848 consumer groups: ConsumerGroupHeartbeat as Kafka's GroupMetadataManager serves it. A
/// heartbeat (1) creates or updates the member, bumping the group epoch when its subscription or
/// the subscribed topics changed; (2) computes a new target assignment when the group epoch passed
/// the target's; (3) moves the member one reconciliation step toward its target. Each step only
/// produces records; the state changes when they are replayed.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>The server-side assignors, the first being the default (Kafka's <c>group.consumer.assignors</c> default order).</summary>
    public static readonly IReadOnlyList<IConsumerGroupAssignor> Assignors = [new UniformAssignor(), new RangeAssignor()];

    private readonly Dictionary<string, ConsumerGroup> _consumerGroups = new(StringComparer.Ordinal);

    /// <summary>For tests and describing: the consumer group, if this shard has it.</summary>
    public ConsumerGroup? FindConsumerGroup(string groupId) => _consumerGroups.GetValueOrDefault(groupId);

    public IEnumerable<ConsumerGroup> ConsumerGroups => _consumerGroups.Values;

    /// <summary>The consumer groups for ListGroups (protocol type "consumer", Kafka's state names), those in <paramref name="states"/> (case-insensitive) when given.</summary>
    public IReadOnlyList<ListedGroup> ListConsumerGroups(IReadOnlySet<string>? states) =>
        _consumerGroups.Values
            .Where(g => states is null || states.Contains(g.State.ToString()))
            .Select(g => new ListedGroup(g.GroupId, ClassicGroup.ConsumerProtocolType, g.State.ToString(), ListedGroup.ConsumerType))
            .ToList();

    private ConsumerGroup ConsumerGroupOrThrow(string groupId, bool createIfMissing)
    {
        if (_consumerGroups.TryGetValue(groupId, out var group))
        {
            return group;
        }
        // A classic group with members is not a consumer group (online migration, KIP-848's, is not served yet);
        // a simple group (offsets only) or an empty one may become one, as in Kafka.
        if (_groups.TryGetValue(groupId, out var classic) && classic.Members.Count > 0)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Group {groupId} is not a consumer group.");
        }
        if (!createIfMissing)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Consumer group {groupId} not found.");
        }
        return new ConsumerGroup(groupId);
    }

    /// <summary>Removes a member (left, or its session or rebalance timeout expired): its records tombstoned, the group epoch bumped so the others get its partitions.</summary>
    private ErrorCode FenceMember(ConsumerGroup group, ConsumerGroupMember member)
    {
        var records = new List<CoordinatorRecord>(MemberTombstones(group.GroupId, member.MemberId));
        if (member.HasRegex && group.NumSubscribedMembers(member.SubscribedTopicRegex!) == 1)
        {
            records.Add(new CoordinatorRecord.ConsumerGroupRegularExpression(group.GroupId, member.SubscribedTopicRegex!, null));
        }
        var remaining = group.Members.Values.Where(m => m.MemberId != member.MemberId);
        var hash = TopicHash.Group(remaining.SelectMany(group.TopicsOf), KnownImage);
        records.Add(new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, new ConsumerGroupMetadataValue { Epoch = group.GroupEpoch + 1, MetadataHash = hash }));
        CancelSessionTimeout(group, member.MemberId);
        CancelRebalanceTimeout(group, member.MemberId);
        return WriteConsumerGroupRecords(records);
    }

    /// <summary>Deletes a consumer group without members: its target-assignment epoch, regular-expression resolutions, partition metadata and group epoch tombstoned (its offsets stay).</summary>
    private ErrorCode RemoveEmptyConsumerGroup(ConsumerGroup group) => WriteConsumerGroupRecords(
    [
        new CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata(group.GroupId, null),
        .. group.ResolvedRegularExpressions.Keys.Select(regex => new CoordinatorRecord.ConsumerGroupRegularExpression(group.GroupId, regex, null)),
        new CoordinatorRecord.ConsumerGroupPartitionMetadata(group.GroupId, null),
        new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, null),
    ]);

    private ErrorCode WriteConsumerGroupRecords(IReadOnlyList<CoordinatorRecord> records) =>
        Write(records.Select(CoordinatorRecordSerde.ConsumerGroupRecord).ToList());

    /// <summary>
    /// OffsetCommit to a consumer group (v9+ carries the member epoch where the generation was):
    /// without members, a commit with no epoch is an admin's and always accepted; otherwise the member
    /// must exist (UNKNOWN_MEMBER_ID) at exactly its epoch: a later epoch is FENCED_MEMBER_EPOCH, an
    /// earlier one STALE_MEMBER_EPOCH (the client refreshes its epoch and retries), as in Kafka.
    /// </summary>
    private static ErrorCode ValidateConsumerGroupCommit(ConsumerGroup group, string memberId, int memberEpoch)
    {
        if (memberEpoch < 0 && group.Members.Count == 0)
        {
            return ErrorCode.None;
        }
        if (!group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        return memberEpoch > member.MemberEpoch ? ErrorCode.FencedMemberEpoch
            : memberEpoch < member.MemberEpoch ? ErrorCode.StaleMemberEpoch
            : ErrorCode.None;
    }

    /// <summary>OffsetFetch by a consumer-group member (v9+): an admin (no member id, no epoch) is not checked; a member must exist at its current epoch (STALE_MEMBER_EPOCH otherwise).</summary>
    private static ErrorCode ValidateConsumerGroupFetch(ConsumerGroup group, string? memberId, int memberEpoch)
    {
        if (memberEpoch < 0 && memberId is null)
        {
            return ErrorCode.None;
        }
        if (memberId is null || !group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        return memberEpoch != member.MemberEpoch ? ErrorCode.StaleMemberEpoch : ErrorCode.None;
    }
}
