namespace KafkaCompat.Broker.Groups.Share;

/// <summary>
/// The states of a KIP-932 share group, derived from its members (never stored). There is no
/// assigning or reconciling state: a share partition may be consumed by several members at once, so
/// a new assignment is handed out without waiting for anyone to revoke.
/// </summary>
public enum ShareGroupState
{
    /// <summary>No members.</summary>
    Empty,

    /// <summary>At least one member.</summary>
    Stable,

    /// <summary>The group was removed.</summary>
    Dead,
}
