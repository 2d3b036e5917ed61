using System.Collections.Immutable;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// A member of a KIP-848 consumer group as its records describe it: the subscription
/// (ConsumerGroupMemberMetadata) and the current assignment (ConsumerGroupCurrentMemberAssignment).
/// Immutable: a heartbeat computes the member it would become, writes the records, and replay
/// installs it.
/// </summary>
public sealed record ConsumerGroupMember(string MemberId)
{
    public string? InstanceId { get; init; }

    public string? RackId { get; init; }

    public string ClientId { get; init; } = "";

    public string ClientHost { get; init; } = "";

    public ImmutableArray<string> SubscribedTopicNames { get; init; } = [];

    public string? SubscribedTopicRegex { get; init; }

    public int RebalanceTimeoutMs { get; init; } = -1;

    public string? ServerAssignor { get; init; }

    public int MemberEpoch { get; init; }

    public int PreviousMemberEpoch { get; init; }

    public MemberState State { get; init; } = MemberState.Stable;

    public ImmutableHashSet<TopicIdPartition> AssignedPartitions { get; init; } = PartitionAssignment.Empty;

    public ImmutableHashSet<TopicIdPartition> PartitionsPendingRevocation { get; init; } = PartitionAssignment.Empty;

    /// <summary>Whether the member subscribes by a regular expression: librdkafka sends an empty one with a subscription by names, which Kafka takes as none.</summary>
    public bool HasRegex => !string.IsNullOrEmpty(SubscribedTopicRegex);

    /// <summary>Set for a member that speaks the classic protocol in a consumer group (KIP-848 online migration), null for a ConsumerGroupHeartbeat member.</summary>
    public ClassicMemberMetadata? ClassicMetadata { get; init; }

    public bool UsesClassicProtocol => ClassicMetadata is not null;

    /// <summary>Whether what ConsumerGroupMemberMetadata holds differs (a new record is due; a subscription change also bumps the group epoch).</summary>
    public bool SameMetadata(ConsumerGroupMember other) =>
        InstanceId == other.InstanceId && RackId == other.RackId && ClientId == other.ClientId && ClientHost == other.ClientHost
        && SubscribedTopicNames.SequenceEqual(other.SubscribedTopicNames) && SubscribedTopicRegex == other.SubscribedTopicRegex
        && RebalanceTimeoutMs == other.RebalanceTimeoutMs && ServerAssignor == other.ServerAssignor && Equals(ClassicMetadata, other.ClassicMetadata);

    /// <summary>Whether the subscribed names are the same (Kafka's subscription change; the assignor is not part of it); a changed regular expression bumps the epoch only once resolved (see the heartbeat).</summary>
    public bool SameSubscription(ConsumerGroupMember other) =>
        SubscribedTopicNames.ToHashSet(StringComparer.Ordinal).SetEquals(other.SubscribedTopicNames);

    /// <summary>Whether what ConsumerGroupCurrentMemberAssignment holds differs.</summary>
    public bool SameAssignment(ConsumerGroupMember other) =>
        MemberEpoch == other.MemberEpoch && PreviousMemberEpoch == other.PreviousMemberEpoch && State == other.State
        && AssignedPartitions.SetEquals(other.AssignedPartitions) && PartitionsPendingRevocation.SetEquals(other.PartitionsPendingRevocation);
}
