using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
using KafkaCompat.Protocol.Messages;
using Microsoft.Extensions.Logging;
using static KafkaCompat.Broker.Groups.Consumer.ConsumerGroupRecords;

namespace KafkaCompat.Broker.Groups;

/// <summary>
/// Online migration between classic groups and KIP-848 consumer groups, as
/// <c>group.consumer.migration.policy</c> allows: a classic group of the consumer protocol becomes a
/// consumer group when a member joins it with ConsumerGroupHeartbeat (its classic members stay, and
/// keep speaking JoinGroup/SyncGroup/Heartbeat/LeaveGroup), and a consumer group whose last member
/// of the new protocol leaves becomes a classic group again, with a rebalance. Both write the records
/// Kafka writes: the tombstones of the group being replaced, then the records of the new one.
/// </summary>
public sealed partial class GroupCoordinatorShard
{
    private MetadataImage Image => _context.Image();

    /// <summary>
    /// The consumer group a classic group becomes (Kafka's ConsumerGroup.fromClassicGroup): every member
    /// at the generation as its epoch, stable, owning and targeted with its last classic assignment, its
    /// subscription read from its protocol metadata. Nothing changes until the records (added to
    /// <paramref name="records"/>: the classic group's tombstone, then the consumer group's) are replayed.
    /// </summary>
    private ConsumerGroup UpgradeToConsumerGroup(ClassicGroup classic, List<CoordinatorRecord> records)
    {
        var groupId = classic.GroupId;
        if (!Config.GroupConsumerMigrationPolicy.IsUpgradeEnabled())
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound,
                $"Cannot upgrade classic group {groupId} to consumer group because online upgrade is disabled.");
        }
        if (classic.ProtocolType != ClassicGroup.ConsumerProtocolType)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound,
                $"Cannot upgrade classic group {groupId} to consumer group because the group does not use the consumer embedded protocol.");
        }
        if (classic.Members.Count > Config.GroupConsumerMaxSize)
        {
            throw new ConsumerGroupException(ErrorCode.GroupIdNotFound,
                $"Cannot upgrade classic group {groupId} to consumer group because the group size exceeds the consumer group maximum size.");
        }
        var image = Image;
        var converted = new ConsumerGroup(groupId) { GroupEpoch = classic.GenerationId, AssignmentEpoch = classic.GenerationId };
        foreach (var member in classic.Members.Values)
        {
            var metadata = member.MetadataFor(classic.ProtocolName) ?? member.Protocols[0].Metadata;
            var subscription = ClassicConsumerProtocol.ReadSubscription(metadata, image)
                ?? throw new ConsumerGroupException(ErrorCode.GroupIdNotFound,
                    $"Cannot upgrade classic group {groupId} to consumer group because the embedded consumer protocol is malformed.");
            var assigned = ClassicConsumerProtocol.ReadAssignment(member.Assignment, image).ToImmutableHashSet();
            converted.TargetAssignment[member.MemberId] = assigned;
            converted.UpdateAssignment(null, new ConsumerGroupMember(member.MemberId)
            {
                InstanceId = member.GroupInstanceId,
                RackId = subscription.RackId,
                ClientId = member.ClientId,
                ClientHost = member.ClientHost,
                SubscribedTopicNames = [.. subscription.Topics],
                RebalanceTimeoutMs = member.RebalanceTimeoutMs,
                MemberEpoch = classic.GenerationId,
                PreviousMemberEpoch = classic.GenerationId,
                State = MemberState.Stable,
                AssignedPartitions = assigned,
                ClassicMetadata = new ClassicMemberMetadata(member.SessionTimeoutMs, [.. member.Protocols]),
            });
        }

        // A rebalance of the classic group in progress ends: its waiting members rejoin the consumer group.
        foreach (var member in classic.Members.Values)
        {
            member.AwaitingJoin?.TrySetResult(JoinErrorResponse(ErrorCode.RebalanceInProgress, member.MemberId));
            member.AwaitingJoin = null;
            member.AwaitingSync?.TrySetResult(SyncErrorResponse(ErrorCode.RebalanceInProgress));
            member.AwaitingSync = null;
        }

        // Kafka's order: the classic group's tombstone; every member's subscription; the group epoch; the target assignment and its epoch; the current assignments.
        records.Add(new CoordinatorRecord.GroupMetadata(groupId, null));
        var members = converted.Members.Values.ToList();
        records.AddRange(members.Select(m => new CoordinatorRecord.ConsumerGroupMemberMetadata(groupId, m.MemberId, MemberMetadataValue(m))));
        records.Add(new CoordinatorRecord.ConsumerGroupMetadata(groupId, new ConsumerGroupMetadataValue { Epoch = converted.GroupEpoch }));
        records.AddRange(members.Select(m => new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(groupId, m.MemberId, TargetValue(converted.TargetOf(m.MemberId)))));
        records.Add(new CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata(groupId, new ConsumerGroupTargetAssignmentMetadataValue { AssignmentEpoch = converted.AssignmentEpoch }));
        records.AddRange(members.Select(m => new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(groupId, m.MemberId, CurrentAssignmentValue(m))));
        Logger.LogInformation("Converting classic group {Group} (generation {Generation}, {Members} members) to a consumer group", groupId, classic.GenerationId, members.Count);
        return converted;
    }

    /// <summary>Members without a session timer (those a conversion brought in) get one, with their own session timeout.</summary>
    private void ScheduleConvertedMembersSessionTimeouts(ConsumerGroup group)
    {
        foreach (var memberId in group.Members.Keys.Where(id => !group.SessionTimers.ContainsKey(id)).ToList())
        {
            ScheduleSessionTimeout(group, memberId);
        }
    }

    /// <summary>
    /// Kafka's online downgrade: when the members being fenced leave only classic-protocol members, and
    /// the policy and <c>group.max.size</c> allow, the consumer group's records are tombstoned and a
    /// classic group of the remaining members is written (generation = group epoch, each member's
    /// target assignment as its classic assignment), then rebalanced. Null when no downgrade applies.
    /// </summary>
    private ErrorCode? MaybeDowngradeToClassicGroup(ConsumerGroup group, IReadOnlyCollection<ConsumerGroupMember> fenced)
    {
        var leaving = fenced.Select(m => m.MemberId).ToHashSet(StringComparer.Ordinal);
        var remaining = group.Members.Values.Where(m => !leaving.Contains(m.MemberId)).ToList();
        if (remaining.Count == 0 || !remaining.All(m => m.UsesClassicProtocol))
        {
            return null;
        }
        if (!Config.GroupConsumerMigrationPolicy.IsDowngradeEnabled() || remaining.Count > Config.GroupMaxSize)
        {
            Logger.LogInformation("Cannot downgrade consumer group {Group} to a classic group: online downgrade is disabled or the group is larger than group.max.size", group.GroupId);
            return null;
        }
        if (ClassicGroupOf(group, remaining.Select(m => (m, m.MemberId))) is not { } converted)
        {
            return null;
        }
        var error = WriteConsumerGroupRecords([.. ConsumerGroupTombstones(group), converted.Record]);
        if (error != ErrorCode.None)
        {
            return error;
        }
        PrepareRebalance(InstallDowngradedGroup(converted.Group), $"Downgrade group {group.GroupId} from consumer to classic for member leaving.");
        return ErrorCode.None;
    }

    /// <summary>
    /// Kafka's downgrade by static replacement: a classic member taking over the instance id of the last
    /// member of the consumer protocol gives the group back to the classic protocol at once (the
    /// replacement's records, then the consumer group's tombstones with the new id in place of the old,
    /// then the classic group), rebalancing only when its subscription differs. Null when no downgrade applies.
    /// </summary>
    private JoinGroupResponseData? MaybeDowngradeWithReplacedMember(ConsumerGroup group, ConsumerGroupMember replaced, ConsumerGroupMember joining, List<CoordinatorRecord> records)
    {
        if (replaced.UsesClassicProtocol || !group.Members.Values.All(m => m.MemberId == replaced.MemberId || m.UsesClassicProtocol)
            || !Config.GroupConsumerMigrationPolicy.IsDowngradeEnabled() || group.Members.Count > Config.GroupMaxSize)
        {
            return null;
        }
        var members = group.Members.Values.Select(m => m.MemberId == replaced.MemberId ? (joining, replaced.MemberId) : (m, m.MemberId));
        if (ClassicGroupOf(group, members) is not { } converted)
        {
            return null;
        }
        var error = WriteConsumerGroupRecords([.. records, .. ConsumerGroupTombstones(group, replaced.MemberId, joining.MemberId), converted.Record]);
        if (error != ErrorCode.None)
        {
            throw new ConsumerGroupException(error, $"The join could not be stored: {error}.");
        }
        var live = InstallDowngradedGroup(converted.Group);
        if (!replaced.SameSubscription(joining))
        {
            PrepareRebalance(live, $"Downgrade group {group.GroupId} from consumer to classic for static member replacement with different subscription.");
        }
        return new JoinGroupResponseData
        {
            MemberId = joining.MemberId,
            GenerationId = live.GenerationId,
            ProtocolType = ClassicGroup.ConsumerProtocolType,
            ProtocolName = live.ProtocolName,
            Leader = "",
        };
    }

    /// <summary>
    /// The classic group of the given classic-protocol members (each with the member id whose target
    /// assignment becomes its classic assignment), as Kafka's ClassicGroup.fromConsumerGroup builds it:
    /// generation = group epoch, the protocol every member supports; and its GroupMetadata record.
    /// Null when the members share no protocol.
    /// </summary>
    private (ClassicGroup Group, CoordinatorRecord Record)? ClassicGroupOf(ConsumerGroup group, IEnumerable<(ConsumerGroupMember Member, string TargetOf)> members)
    {
        var classic = new ClassicGroup(group.GroupId, NowMs) { GenerationId = group.GroupEpoch, ProtocolType = ClassicGroup.ConsumerProtocolType };
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (member, targetOf) in members)
        {
            classic.Add(new GroupMember(member.MemberId, member.InstanceId, member.ClientId, member.ClientHost, member.RebalanceTimeoutMs,
                member.ClassicMetadata!.SessionTimeoutMs, member.ClassicMetadata.SupportedProtocols));
            targets[member.MemberId] = targetOf;
        }
        if (classic.CandidateProtocols().Count == 0)
        {
            return null;
        }
        classic.ProtocolName = classic.SelectProtocol();
        var image = Image;
        var assignments = classic.Members.Values.ToDictionary(m => m.MemberId, m => ClassicConsumerProtocol.WriteAssignment(group.TargetOf(targets[m.MemberId]),
            ClassicConsumerProtocol.Version(m.MetadataFor(classic.ProtocolName)), image), StringComparer.Ordinal);
        return (classic, new CoordinatorRecord.GroupMetadata(group.GroupId, GroupValue(classic, assignments)));
    }

    /// <summary>
    /// After a downgrade's records are replayed: replay rebuilt the classic group with the selected
    /// protocol's metadata only; its members get back every protocol they support and their heartbeats,
    /// and the group is stable (a rebalance may follow), as Kafka installs a downgraded group.
    /// </summary>
    private ClassicGroup InstallDowngradedGroup(ClassicGroup converted)
    {
        var live = _groups[converted.GroupId];
        foreach (var member in live.Members.Values)
        {
            member.Protocols = converted.Members[member.MemberId].Protocols;
            ScheduleHeartbeat(live, member, member.SessionTimeoutMs);
        }
        live.LoadedAs(ClassicGroupState.Stable);
        live.SubscribedTopics = ComputeSubscribedTopics(live);
        Logger.LogInformation("Converted consumer group {Group} to a classic group (generation {Generation}, {Members} members)", live.GroupId, live.GenerationId, live.Members.Count);
        return live;
    }

    /// <summary>
    /// Every record of a consumer group tombstoned, in Kafka's order (current assignments, target
    /// assignments and their epoch, subscriptions, partition metadata, group epoch); a member being
    /// replaced in the same batch is tombstoned under the id replacing it.
    /// </summary>
    private static IEnumerable<CoordinatorRecord> ConsumerGroupTombstones(ConsumerGroup group, string? replacedId = null, string? replacingId = null)
    {
        var memberIds = group.Members.Keys.Select(id => id == replacedId ? replacingId! : id).ToList();
        return
        [
            .. memberIds.Select(id => new CoordinatorRecord.ConsumerGroupCurrentMemberAssignment(group.GroupId, id, null)),
            .. memberIds.Select(id => new CoordinatorRecord.ConsumerGroupTargetAssignmentMember(group.GroupId, id, null)),
            new CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata(group.GroupId, null),
            .. memberIds.Select(id => new CoordinatorRecord.ConsumerGroupMemberMetadata(group.GroupId, id, null)),
            new CoordinatorRecord.ConsumerGroupPartitionMetadata(group.GroupId, null),
            new CoordinatorRecord.ConsumerGroupMetadata(group.GroupId, null),
        ];
    }
}
