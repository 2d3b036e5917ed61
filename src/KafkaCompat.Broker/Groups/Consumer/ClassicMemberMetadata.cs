using System.Collections.Immutable;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// What a member of a consumer group that speaks the classic protocol (JoinGroup, SyncGroup,
/// Heartbeat, LeaveGroup: KIP-848's online migration) brought in its last JoinGroup: its session
/// timeout and the protocols it supports, in its order of preference. Kept in
/// ConsumerGroupMemberMetadataValue's ClassicMemberMetadata, so a downgrade can give the member back
/// to a classic group.
/// </summary>
public sealed record ClassicMemberMetadata(int SessionTimeoutMs, ImmutableArray<MemberProtocol> SupportedProtocols)
{
    /// <summary>The protocol the member prefers, whose name a classic member of a consumer group is answered with.</summary>
    public MemberProtocol Preferred => SupportedProtocols[0];

    public bool Equals(ClassicMemberMetadata? other) =>
        other is not null && SessionTimeoutMs == other.SessionTimeoutMs && SupportedProtocols.Length == other.SupportedProtocols.Length
        && SupportedProtocols.Zip(other.SupportedProtocols).All(p => p.First.Name == p.Second.Name && p.First.Metadata.AsSpan().SequenceEqual(p.Second.Metadata));

    public override int GetHashCode() => HashCode.Combine(SessionTimeoutMs, SupportedProtocols.Length);
}
