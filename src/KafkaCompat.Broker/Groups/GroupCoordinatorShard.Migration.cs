using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;
using KafkaCompat.Broker.Metadata;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Coordinator;
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
        var classic = new ClassicGroup(group.GroupId, NowMs) { GenerationId = group.GroupEpoch, ProtocolType = ClassicGroup.ConsumerProtocolType };
        foreach (var member in remaining)
        {
            classic.Add(new GroupMember(member.MemberId, member.InstanceId, member.ClientId, member.ClientHost, member.RebalanceTimeoutMs,
                member.ClassicMetadata!.SessionTimeoutMs, member.ClassicMetadata.SupportedProtocols));
        }
        if (classic.CandidateProtocols().Count == 0)
        {
            return null;
        }
        classic.ProtocolName = classic.SelectProtocol();
        var image = Image;
        var assignments = remaining.ToDictionary(m => m.MemberId, m => ClassicConsumerProtocol.WriteAssignment(group.TargetOf(m.MemberId),
            ClassicConsumerProtocol.Version(classic.Members[m.MemberId].MetadataFor(classic.ProtocolName)), image), StringComparer.Ordinal);

        var error = WriteConsumerGroupRecords([.. ConsumerGroupTombstones(group), new CoordinatorRecord.GroupMetadata(group.GroupId, GroupValue(classic, assignments))]);
        if (error != ErrorCode.None)
        {
            return error;
        }
        // Replay rebuilt the classic group with the selected protocol's metadata only; its members get back what
        // they support, their heartbeats, and the group a rebalance, as Kafka does after a downgrade.
        var live = _groups[group.GroupId];
        foreach (var member in live.Members.Values)
        {
            member.Protocols = classic.Members[member.MemberId].Protocols;
            ScheduleHeartbeat(live, member, member.SessionTimeoutMs);
        }
        live.LoadedAs(ClassicGroupState.Stable);
        live.SubscribedTopics = ComputeSubscribedTopics(live);
        PrepareRebalance(live, $"Downgrade group {group.GroupId} from consumer to classic for member leaving.");
        return ErrorCode.None;
    }

    /// <summary>Every record of a consumer group tombstoned, in Kafka's order (current assignments, target assignments and their epoch, subscriptions, partition metadata, group epoch).</summary>
    private static IEnumerable<CoordinatorRecord> ConsumerGroupTombstones(ConsumerGroup group)
    {
        var memberIds = group.Members.Keys.ToList();
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
