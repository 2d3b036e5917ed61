using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Groups;

/// <summary>A protocol a member supports (an assignor, for consumers) and its opaque metadata.</summary>
public sealed record MemberProtocol(string Name, byte[] Metadata);

/// <summary>
/// A member of a classic group. Persisted fields (ids, timeouts, the chosen protocol's metadata, the
/// assignment) also live in the group's GroupMetadataValue record; the pending join/sync answers and
/// the heartbeat deadline are transient, as in Kafka. Only the group's shard touches it.
/// </summary>
public sealed class GroupMember(string memberId, string? groupInstanceId, string clientId, string clientHost, int rebalanceTimeoutMs, int sessionTimeoutMs, IReadOnlyList<MemberProtocol> protocols)
{
    public string MemberId { get; set; } = memberId;

    public string? GroupInstanceId { get; } = groupInstanceId;

    public bool IsStatic => GroupInstanceId is not null;

    public string ClientId { get; } = clientId;

    public string ClientHost { get; } = clientHost;

    public int RebalanceTimeoutMs { get; set; } = rebalanceTimeoutMs;

    public int SessionTimeoutMs { get; set; } = sessionTimeoutMs;

    /// <summary>In the member's order of preference.</summary>
    public IReadOnlyList<MemberProtocol> Protocols { get; set; } = protocols;

    public byte[] Assignment { get; set; } = [];

    /// <summary>Joined in the current rebalance and not answered yet.</summary>
    public TaskCompletionSource<JoinGroupResponseData>? AwaitingJoin { get; set; }

    /// <summary>Sent SyncGroup and waits for the leader's assignment.</summary>
    public TaskCompletionSource<SyncGroupResponseData>? AwaitingSync { get; set; }

    /// <summary>Joined for the first time and not answered yet: it expires after the new-member join timeout rather than its session timeout.</summary>
    public bool IsNew { get; set; }

    public long HeartbeatDeadlineMs { get; set; }

    public ITimer? HeartbeatTimer { get; set; }

    public byte[]? MetadataFor(string? protocol) => Protocols.FirstOrDefault(p => p.Name == protocol)?.Metadata;

    /// <summary>Same protocols with the same metadata in the same order: a join that changes nothing (Kafka's MemberMetadata.matches).</summary>
    public bool Matches(IReadOnlyList<MemberProtocol> other) =>
        Protocols.Count == other.Count && Protocols.Zip(other).All(p => p.First.Name == p.Second.Name && p.First.Metadata.AsSpan().SequenceEqual(p.Second.Metadata));
}
