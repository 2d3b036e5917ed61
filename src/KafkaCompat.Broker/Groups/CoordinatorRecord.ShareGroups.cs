using KafkaCompat.Protocol.Coordinator;

namespace KafkaCompat.Broker.Groups;

/// <summary>The KIP-932 share-group records of <c>__consumer_offsets</c> (key versions 9 to 15, as Kafka 4.0 writes them); a null value is a tombstone.</summary>
public abstract partial record CoordinatorRecord
{
    /// <summary>The subscribed topics' metadata of a share group (key version 9).</summary>
    public sealed record ShareGroupPartitionMetadata(string GroupId, ShareGroupPartitionMetadataValue? Value) : CoordinatorRecord;

    /// <summary>A share-group member's subscription (key version 10).</summary>
    public sealed record ShareGroupMemberMetadata(string GroupId, string MemberId, ShareGroupMemberMetadataValue? Value) : CoordinatorRecord;

    /// <summary>A share group's epoch (key version 11).</summary>
    public sealed record ShareGroupMetadata(string GroupId, ShareGroupMetadataValue? Value) : CoordinatorRecord;

    /// <summary>The epoch of a share group's target assignment (key version 12).</summary>
    public sealed record ShareGroupTargetAssignmentMetadata(string GroupId, ShareGroupTargetAssignmentMetadataValue? Value) : CoordinatorRecord;

    /// <summary>One member's partitions in the target assignment (key version 13).</summary>
    public sealed record ShareGroupTargetAssignmentMember(string GroupId, string MemberId, ShareGroupTargetAssignmentMemberValue? Value) : CoordinatorRecord;

    /// <summary>A member's epochs, state and assigned partitions (key version 14).</summary>
    public sealed record ShareGroupCurrentMemberAssignment(string GroupId, string MemberId, ShareGroupCurrentMemberAssignmentValue? Value) : CoordinatorRecord;

    /// <summary>Which partitions of the group have share-group state with the share coordinator, and which topics' state is being deleted (key version 15).</summary>
    public sealed record ShareGroupStatePartitionMetadata(string GroupId, ShareGroupStatePartitionMetadataValue? Value) : CoordinatorRecord;
}
