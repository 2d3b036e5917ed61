namespace KafkaCompat.Broker.Groups;

/// <summary>
/// The states of a classic group, with Kafka's names (DescribeGroups and ListGroups show them as written).
/// Each state lists the states it may be entered from; <see cref="ClassicGroupStates.CanTransition"/>
/// enforces exactly this table.
/// </summary>
public enum ClassicGroupState
{
    /// <summary>
    /// No members; the group may still hold committed offsets (a simple consumer's, or those of a group
    /// whose members all left). Entered from PreparingRebalance when the rebalance ends with no member.
    /// Goes to PreparingRebalance on a join, to Dead when deleted or when its last offset expires.
    /// </summary>
    Empty,

    /// <summary>
    /// Waiting for every known member to (re)join, bounded by the rebalance timeout (and, for an empty
    /// group's first rebalance, group.initial.rebalance.delay.ms). Entered from Empty, Stable or
    /// CompletingRebalance. Goes to CompletingRebalance when the join completes with members, to Empty
    /// when it completes with none, to Dead when the group is removed.
    /// </summary>
    PreparingRebalance,

    /// <summary>
    /// Join responses sent; waiting for the leader's assignment in SyncGroup. Entered only from
    /// PreparingRebalance. Goes to Stable once the assignment is persisted, back to PreparingRebalance
    /// when a member joins, leaves or times out, to Dead when the group is removed.
    /// </summary>
    CompletingRebalance,

    /// <summary>
    /// Every member has its assignment and heartbeats. Entered only from CompletingRebalance (or at load
    /// time, for a persisted group with members). Goes to PreparingRebalance on a join, a leave or a
    /// session timeout, to Dead when the group is removed.
    /// </summary>
    Stable,

    /// <summary>No members and no offsets: the group is being removed. Reachable from every state; final.</summary>
    Dead,
}

public static class ClassicGroupStates
{
    /// <summary>Kafka's ClassicGroupState transition table: the states each state may be entered from.</summary>
    private static readonly Dictionary<ClassicGroupState, ClassicGroupState[]> ValidPrevious = new()
    {
        [ClassicGroupState.Empty] = [ClassicGroupState.PreparingRebalance],
        [ClassicGroupState.PreparingRebalance] = [ClassicGroupState.Empty, ClassicGroupState.Stable, ClassicGroupState.CompletingRebalance],
        [ClassicGroupState.CompletingRebalance] = [ClassicGroupState.PreparingRebalance],
        [ClassicGroupState.Stable] = [ClassicGroupState.CompletingRebalance],
        [ClassicGroupState.Dead] = [ClassicGroupState.Empty, ClassicGroupState.PreparingRebalance, ClassicGroupState.CompletingRebalance, ClassicGroupState.Stable, ClassicGroupState.Dead],
    };

    public static bool CanTransition(ClassicGroupState from, ClassicGroupState to) => ValidPrevious[to].Contains(from);

    /// <summary>The name Kafka reports (DescribeGroups, ListGroups v4+).</summary>
    public static string ToKafkaName(this ClassicGroupState state) => state.ToString();

    /// <summary>Parses a ListGroups state filter entry the way Kafka does (case-insensitively); null when unknown.</summary>
    public static ClassicGroupState? Parse(string name) =>
        Enum.TryParse<ClassicGroupState>(name, ignoreCase: true, out var state) && Enum.IsDefined(state) ? state : null;
}
