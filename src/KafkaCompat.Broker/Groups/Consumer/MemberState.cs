namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>Where a consumer-group member is in its reconciliation (KIP-848); the values are those Kafka writes in ConsumerGroupCurrentMemberAssignmentValue.State.</summary>
public enum MemberState : sbyte
{
    /// <summary>The member owns its whole target assignment, at the target's epoch.</summary>
    Stable = 0,

    /// <summary>The member still owns partitions it must give up before it may move to the next epoch.</summary>
    UnrevokedPartitions = 1,

    /// <summary>The member is at the new epoch but waits for partitions that other members have not revoked yet.</summary>
    UnreleasedPartitions = 2,

    /// <summary>A state written by a later version.</summary>
    Unknown = 127,
}
