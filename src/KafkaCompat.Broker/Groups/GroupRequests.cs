namespace KafkaCompat.Broker.Groups;

/// <summary>
/// A JoinGroup, as the coordinator needs it (handlers fill in version-dependent defaults).
/// <paramref name="SupportsSkippingAssignment"/>: JoinGroup v9+ (KIP-814).
/// </summary>
public sealed record JoinGroupParams(
    string GroupId,
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    int SessionTimeoutMs,
    int RebalanceTimeoutMs,
    string ProtocolType,
    IReadOnlyList<MemberProtocol> Protocols,
    bool RequireKnownMemberId,
    string? Reason = null,
    bool SupportsSkippingAssignment = true);

public sealed record SyncGroupParams(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    string? ProtocolType,
    string? ProtocolName,
    IReadOnlyDictionary<string, byte[]> Assignments);

public sealed record MemberIdentity(string MemberId, string? GroupInstanceId, string? Reason = null);

/// <summary>LeaveGroup's outcome: a group-level error and one per member (v3+ shows both; v0-2 only the first member's).</summary>
public sealed record LeaveGroupResult(Protocol.ErrorCode Error, IReadOnlyList<(MemberIdentity Member, Protocol.ErrorCode Error)> Members);

/// <summary>One partition of an OffsetCommit.</summary>
public sealed record OffsetCommitEntry(string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata, long CommitTimestampMs, long? ExpireTimestampMs);

/// <summary>An OffsetCommit; <paramref name="ApiVersion"/> decides errors Kafka answers by version (v9+: the member epoch of KIP-848).</summary>
public sealed record OffsetCommitParams(string GroupId, int GenerationId, string MemberId, string? GroupInstanceId, IReadOnlyList<OffsetCommitEntry> Offsets, short ApiVersion);

/// <summary>
/// A TxnOffsetCommit: the offsets of the producer's transaction (v3+ adds the member, generation and instance id, KIP-447; older versions send -1, "" and null).
/// <paramref name="Verification"/> is the offsets partition's guard when the transaction was verified there (KIP-890 part 1).
/// </summary>
public sealed record TxnOffsetCommitParams(string GroupId, long ProducerId, short ProducerEpoch, int GenerationId, string MemberId, string? GroupInstanceId, IReadOnlyList<OffsetCommitEntry> Offsets,
    Replication.TransactionVerificationGuard? Verification = null);

/// <summary>A committed offset as OffsetFetch reports it (offset -1 and metadata "" when nothing is committed).</summary>
public sealed record FetchedOffset(string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata, Protocol.ErrorCode Error);

public sealed record OffsetFetchResult(Protocol.ErrorCode Error, IReadOnlyList<FetchedOffset> Offsets);

/// <summary>A group as ListGroups shows it; <paramref name="Type"/> is KIP-848's group type.</summary>
public sealed record ListedGroup(string GroupId, string ProtocolType, string State, string Type = ListedGroup.ClassicType)
{
    public const string ClassicType = "classic";
    public const string ConsumerType = "consumer";
}

public sealed record OffsetDeleteResult(Protocol.ErrorCode Error, IReadOnlyList<(string Topic, int Partition, Protocol.ErrorCode Error)> Partitions);
