namespace KafkaCompat.Broker.Groups.Share;

/// <summary>
/// What the group coordinator tells the partition leaders' share-partition manager about share-group
/// membership. When a member leaves or is fenced, the records it had acquired in share partitions
/// must go back to AVAILABLE at once rather than when their acquisition locks run out (KIP-932); the
/// leader's manager implements this and releases every record the member holds. Called on the
/// shard's executor after the member's removal is written: implementations must return quickly and
/// do their work elsewhere.
/// </summary>
public interface IShareGroupListener
{
    void OnMemberLeft(string groupId, string memberId);
}
