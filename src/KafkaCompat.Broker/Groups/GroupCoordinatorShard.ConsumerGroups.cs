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

    /// <summary>
    /// The consumer group a heartbeat is about. A classic group with members becomes one on a join, as
    /// Kafka's online upgrade does (the conversion's records are added to <paramref name="records"/>);
    /// a simple group (offsets only) or an empty one may become one, as in Kafka.
    /// </summary>
    private ConsumerGroup ConsumerGroupOrThrow(string groupId, bool createIfMissing, List<CoordinatorRecord>? records = null)
    {
        if (_consumerGroups.TryGetValue(groupId, out var group))
        {
            return group;
        }
        if (_groups.TryGetValue(groupId, out var classic) && classic.Members.Count > 0)
        {
            return createIfMissing && records is not null
                ? UpgradeToConsumerGroup(classic, records)
                : throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Group {groupId} is not a consumer group.");
        }
        if (!createIfMissing)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound, $"Consumer group {groupId} not found.");
        }
        return new ConsumerGroup(groupId);
    }

    /// <summary>
    /// Kafka's throwIfConsumerGroupIsFull: at <c>group.consumer.max.size</c> members, only a member id
    /// the group already holds gets in (GROUP_MAX_SIZE_REACHED otherwise), whatever the epoch: a
    /// member rejoining under its id is let in, a static member coming back under a new id is not.
    /// </summary>
    private void ThrowIfConsumerGroupIsFull(ConsumerGroup group, string memberId)
    {
        var maxSize = Config.GroupConsumerMaxSize;
        if (group.Members.Count >= maxSize && (memberId.Length == 0 || !group.Members.ContainsKey(memberId)))
        {
            throw new ConsumerGroupException(ErrorCode.GroupMaxSizeReached, $"The consumer group has reached its maximum capacity of {maxSize} members.");
        }
    }

    private ErrorCode FenceMember(ConsumerGroup group, ConsumerGroupMember member) => FenceMembers(group, [member]);

    /// <summary>
    /// Removes members (left, or a session, rebalance, join or sync timeout expired): their records
    /// tombstoned, the group epoch bumped once so the others get their partitions; or, when only
    /// members of the classic protocol would remain, the group downgraded to a classic one (KIP-848).
    /// </summary>
    private ErrorCode FenceMembers(ConsumerGroup group, IReadOnlyCollection<ConsumerGroupMember> fenced)
    {
        foreach (var member in fenced)
        {
            CancelSessionTimeout(group, member.MemberId);
            CancelRebalanceTimeout(group, member.MemberId);
            CancelClassicMemberTimeouts(group, member.MemberId);
        }
        if (MaybeDowngradeToClassicGroup(group, fenced) is { } downgradeError)
        {
            return downgradeError;
        }
        var leaving = fenced.Select(m => m.MemberId).ToHashSet(StringComparer.Ordinal);
        var records = new List<CoordinatorRecord>(leaving.SelectMany(id => MemberTombstones(group.GroupId, id)));
        var remaining = group.Members.Values.Where(m => !leaving.Contains(m.MemberId)).ToList();
        // A regular expression none of the remaining members subscribes to loses its resolution.
        foreach (var regex in fenced.Where(m => m.HasRegex).Select(m => m.SubscribedTopicRegex!).Distinct(StringComparer.Ordinal))
        {
            if (!remaining.Any(m => m.SubscribedTopicRegex == regex))
            {
                records.Add(new CoordinatorRecord.ConsumerGroupRegularExpression(group.GroupId, regex, null));
            }
        }
        var hash = TopicHash.Group(remaining.SelectMany(group.TopicsOf), KnownImage);
        records.Add(new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, new ConsumerGroupMetadataValue { Epoch = group.GroupEpoch + 1, MetadataHash = hash }));
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

    /// <summary>The first OffsetCommit version that carries a member epoch (KIP-848).</summary>
    private const short FirstMemberEpochCommitVersion = 9;

    /// <summary>
    /// Kafka's ConsumerGroup.validateOffsetCommit (up to 4.2), for OffsetCommit (<paramref name="apiVersion"/>)
    /// and TxnOffsetCommit (null): a commit without epoch to a group without members is an admin's or a
    /// simple consumer's, and a TxnOffsetCommit naming no member (v0-2, or a producer given no group
    /// metadata) is not checked; otherwise the member must exist (UNKNOWN_MEMBER_ID); a member of the
    /// consumer protocol must commit with OffsetCommit v9+ (UNSUPPORTED_VERSION); the epoch must be the
    /// member's exactly: STALE_MEMBER_EPOCH either way (the client refreshes its epoch by heartbeat), or
    /// ILLEGAL_GENERATION for a member still speaking the classic protocol (its generation is its epoch).
    /// </summary>
    private static ErrorCode ValidateConsumerGroupCommit(ConsumerGroup group, string memberId, string? instanceId, int memberEpoch, short? apiVersion)
    {
        if (memberEpoch < 0 && group.Members.Count == 0)
        {
            return ErrorCode.None;
        }
        if (apiVersion is null && memberEpoch == -1 && memberId.Length == 0 && instanceId is null)
        {
            return ErrorCode.None;
        }
        if (!group.Members.TryGetValue(memberId, out var member))
        {
            return ErrorCode.UnknownMemberId;
        }
        if (apiVersion < FirstMemberEpochCommitVersion && !member.UsesClassicProtocol)
        {
            return ErrorCode.UnsupportedVersion;
        }
        return MemberEpochError(member, memberEpoch);
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
        return MemberEpochError(member, memberEpoch);
    }

    /// <summary>Kafka's validateMemberEpoch: exactly the member's epoch, or STALE_MEMBER_EPOCH; a classic member (KIP-848 online migration) gives its generation, ILLEGAL_GENERATION when it is not the epoch.</summary>
    private static ErrorCode MemberEpochError(ConsumerGroupMember member, int memberEpoch) =>
        memberEpoch == member.MemberEpoch ? ErrorCode.None
            : member.UsesClassicProtocol ? ErrorCode.IllegalGeneration
            : ErrorCode.StaleMemberEpoch;
}
