using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;

namespace KafkaCompat.Broker.Groups;

/// <summary>Replaying the consumer-group records of <c>__consumer_offsets</c> into the groups: the only way their state changes, at write time and at load time alike.</summary>
public sealed partial class GroupCoordinatorShard
{
    /// <summary>Applies a consumer-group record; false when the record is of another kind.</summary>
    private bool ReplayConsumerGroup(CoordinatorRecord? record)
    {
        switch (record)
        {
            case CoordinatorRecord.ConsumerGroupMetadata { Value: { } value } r:
            {
                var group = GetOrCreateConsumerGroup(r.GroupId);
                group.GroupEpoch = value.Epoch;
                group.MetadataHash = value.MetadataHash;
                return true;
            }
            case CoordinatorRecord.ConsumerGroupMetadata r:
                if (_consumerGroups.Remove(r.GroupId, out var removed))
                {
                    StopConsumerGroupTimers(removed);
                    removed.IsDead = true;
                }
                return true;
            case CoordinatorRecord.ConsumerGroupPartitionMetadata r:
                // Written before Kafka 4.1 (KIP-1101 replaced it by the metadata hash): only remembered, to be tombstoned.
                if (r.Value is not null)
                {
                    GetOrCreateConsumerGroup(r.GroupId).HasSubscriptionMetadataRecord = true;
                }
                else if (_consumerGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.HasSubscriptionMetadataRecord = false;
                }
                return true;
            case CoordinatorRecord.ConsumerGroupRegularExpression r:
                if (r.Value is { } resolved)
                {
                    GetOrCreateConsumerGroup(r.GroupId).ResolvedRegularExpressions[r.RegularExpression] =
                        new ResolvedRegularExpression([.. resolved.Topics], resolved.Version, resolved.Timestamp);
                }
                else if (_consumerGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.ResolvedRegularExpressions.Remove(r.RegularExpression);
                }
                return true;
            case CoordinatorRecord.ConsumerGroupMemberMetadata { Value: { } value } r:
            {
                var group = GetOrCreateConsumerGroup(r.GroupId);
                var member = group.Members.GetValueOrDefault(r.MemberId) ?? new ConsumerGroupMember(r.MemberId);
                group.Members[r.MemberId] = member with
                {
                    InstanceId = value.InstanceId,
                    RackId = value.RackId,
                    ClientId = value.ClientId,
                    ClientHost = value.ClientHost,
                    SubscribedTopicNames = [.. value.SubscribedTopicNames],
                    SubscribedTopicRegex = value.SubscribedTopicRegex,
                    RebalanceTimeoutMs = value.RebalanceTimeoutMs,
                    ServerAssignor = value.ServerAssignor,
                    ClassicMetadata = value.ClassicMemberMetadata is { } classic
                        ? new ClassicMemberMetadata(classic.SessionTimeoutMs, [.. classic.SupportedProtocols.Select(p => new MemberProtocol(p.Name, p.Metadata.ToArray()))])
                        : null,
                };
                return true;
            }
            case CoordinatorRecord.ConsumerGroupMemberMetadata r:
                if (_consumerGroups.TryGetValue(r.GroupId, out var withMember) && withMember.Members.TryGetValue(r.MemberId, out var gone))
                {
                    withMember.RemoveMember(gone);
                    CancelSessionTimeout(withMember, r.MemberId);
                    CancelRebalanceTimeout(withMember, r.MemberId);
                }
                return true;
            case CoordinatorRecord.ConsumerGroupTargetAssignmentMetadata r:
                if (r.Value is { } target)
                {
                    GetOrCreateConsumerGroup(r.GroupId).AssignmentEpoch = target.AssignmentEpoch;
                }
                else if (_consumerGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.AssignmentEpoch = 0;
                }
                return true;
            case CoordinatorRecord.ConsumerGroupTargetAssignmentMember r:
                if (r.Value is { } assignment)
                {
                    GetOrCreateConsumerGroup(r.GroupId).TargetAssignment[r.MemberId] = PartitionAssignment.From(assignment.TopicPartitions, t => t.TopicId, t => t.Partitions);
                }
                else if (_consumerGroups.TryGetValue(r.GroupId, out var g))
                {
                    g.TargetAssignment.Remove(r.MemberId);
                }
                return true;
            case CoordinatorRecord.ConsumerGroupCurrentMemberAssignment { Value: { } value } r:
            {
                var group = GetOrCreateConsumerGroup(r.GroupId);
                var old = group.Members.GetValueOrDefault(r.MemberId);
                group.UpdateAssignment(old, (old ?? new ConsumerGroupMember(r.MemberId)) with
                {
                    MemberEpoch = value.MemberEpoch,
                    PreviousMemberEpoch = value.PreviousMemberEpoch,
                    State = Enum.IsDefined((MemberState)value.State) ? (MemberState)value.State : MemberState.Unknown,
                    AssignedPartitions = PartitionAssignment.From(value.AssignedPartitions, t => t.TopicId, t => t.Partitions),
                    PartitionsPendingRevocation = PartitionAssignment.From(value.PartitionsPendingRevocation, t => t.TopicId, t => t.Partitions),
                });
                return true;
            }
            case CoordinatorRecord.ConsumerGroupCurrentMemberAssignment r:
                if (_consumerGroups.TryGetValue(r.GroupId, out var withAssignment) && withAssignment.Members.TryGetValue(r.MemberId, out var unassigned))
                {
                    // Kafka keeps the member (its subscription record goes next) with no partitions and the leave epoch.
                    withAssignment.UpdateAssignment(unassigned, unassigned with
                    {
                        MemberEpoch = ConsumerGroup.LeaveGroupMemberEpoch,
                        PreviousMemberEpoch = ConsumerGroup.LeaveGroupMemberEpoch,
                        State = MemberState.Stable,
                        AssignedPartitions = PartitionAssignment.Empty,
                        PartitionsPendingRevocation = PartitionAssignment.Empty,
                    });
                }
                return true;
            default:
                return false;
        }
    }

    private ConsumerGroup GetOrCreateConsumerGroup(string groupId)
    {
        if (!_consumerGroups.TryGetValue(groupId, out var group))
        {
            group = new ConsumerGroup(groupId);
            _consumerGroups[groupId] = group;
        }
        return group;
    }
}
