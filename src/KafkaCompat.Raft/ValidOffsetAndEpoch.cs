namespace KafkaCompat.Raft;

/// <summary>
/// What a leader answers a follower's fetch position (offset and the epoch of the record before
/// it) with, as KIP-595 defines it: <see cref="ValidOffsetAndEpochKind.Valid"/> when the follower's
/// log agrees with the leader's there; <see cref="ValidOffsetAndEpochKind.Diverging"/> with the end
/// offset and epoch the follower must truncate to; <see cref="ValidOffsetAndEpochKind.Snapshot"/>
/// with the snapshot to fetch when the position is before the leader's log start.
/// </summary>
public readonly record struct ValidOffsetAndEpoch(ValidOffsetAndEpochKind Kind, OffsetAndEpoch OffsetAndEpoch)
{
    public static ValidOffsetAndEpoch Valid(OffsetAndEpoch offsetAndEpoch) => new(ValidOffsetAndEpochKind.Valid, offsetAndEpoch);

    public static ValidOffsetAndEpoch Diverging(OffsetAndEpoch offsetAndEpoch) => new(ValidOffsetAndEpochKind.Diverging, offsetAndEpoch);

    public static ValidOffsetAndEpoch Snapshot(OffsetAndEpoch offsetAndEpoch) => new(ValidOffsetAndEpochKind.Snapshot, offsetAndEpoch);
}

public enum ValidOffsetAndEpochKind
{
    Valid,
    Diverging,
    Snapshot,
}
