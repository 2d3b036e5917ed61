using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;

namespace KafkaCompat.Broker.Groups.Share;

/// <summary>
/// A member of a KIP-932 share group as its records describe it: the subscription
/// (ShareGroupMemberMetadata) and the current assignment (ShareGroupCurrentMemberAssignment).
/// Immutable, as a consumer-group member: a heartbeat computes the member it would become, writes the
/// records, and replay installs it.
/// </summary>
public sealed record ShareGroupMember(string MemberId)
{
    public string? RackId { get; init; }

    public string ClientId { get; init; } = "";

    public string ClientHost { get; init; } = "";

    public ImmutableArray<string> SubscribedTopicNames { get; init; } = [];

    public int MemberEpoch { get; init; }

    public int PreviousMemberEpoch { get; init; }

    /// <summary>Always <see cref="MemberState.Stable"/> when written: a share member has nothing to revoke (KIP-932).</summary>
    public MemberState State { get; init; } = MemberState.Stable;

    public ImmutableHashSet<TopicIdPartition> AssignedPartitions { get; init; } = PartitionAssignment.Empty;

    /// <summary>Whether what ShareGroupMemberMetadata holds differs (a new record is due).</summary>
    public bool SameMetadata(ShareGroupMember other) =>
        RackId == other.RackId && ClientId == other.ClientId && ClientHost == other.ClientHost
        && SubscribedTopicNames.SequenceEqual(other.SubscribedTopicNames);

    public bool SameSubscription(ShareGroupMember other) =>
        SubscribedTopicNames.Order(StringComparer.Ordinal).SequenceEqual(other.SubscribedTopicNames.Order(StringComparer.Ordinal));

    /// <summary>Whether what ShareGroupCurrentMemberAssignment holds differs.</summary>
    public bool SameAssignment(ShareGroupMember other) =>
        MemberEpoch == other.MemberEpoch && PreviousMemberEpoch == other.PreviousMemberEpoch && State == other.State
        && AssignedPartitions.SetEquals(other.AssignedPartitions);
}
