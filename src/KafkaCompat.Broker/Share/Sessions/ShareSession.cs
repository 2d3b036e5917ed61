namespace KafkaCompat.Broker.Share.Sessions;

/// <summary>
/// A member's share session on this broker (KIP-932): the partitions it fetches, so a ShareFetch
/// names only what it adds, acknowledges or forgets, and the epoch its next request must carry.
/// Guarded by the <see cref="ShareSessionCache"/>'s lock.
/// </summary>
public sealed class ShareSession(string groupId, string memberId)
{
    public string GroupId { get; } = groupId;

    public string MemberId { get; } = memberId;

    /// <summary>The epoch the member's next request must carry.</summary>
    public int Epoch { get; set; } = ShareSessionCache.NextEpoch(ShareSessionCache.InitialEpoch);

    /// <summary>In the order the member added them.</summary>
    public List<SharePartitionKey> Partitions { get; } = [];

    /// <summary>Ends the session when the connection that opened it closes; disposed when the session ends first.</summary>
    public CancellationTokenRegistration ConnectionClosed { get; set; }
}
