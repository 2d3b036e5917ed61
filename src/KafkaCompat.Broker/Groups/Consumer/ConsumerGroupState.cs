namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>The states of a KIP-848 consumer group, derived from its epochs and members (never stored).</summary>
public enum ConsumerGroupState
{
    /// <summary>No members.</summary>
    Empty,

    /// <summary>The group epoch moved past the target assignment's epoch: a new target is due.</summary>
    Assigning,

    /// <summary>The target is computed but some member has not reached it.</summary>
    Reconciling,

    /// <summary>Every member owns its target assignment at the target's epoch.</summary>
    Stable,

    /// <summary>The group was removed.</summary>
    Dead,
}
