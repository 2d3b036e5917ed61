using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Share.Coordinator;

/// <summary>
/// One share-partition of one share group (KIP-932): the unit the share coordinator keeps state for.
/// Its coordinator key, <c>groupId:topicId:partition</c> with the topic id in Kafka's base64 form,
/// is what FindCoordinator key type SHARE names and what picks the <c>__share_group_state</c> partition.
/// </summary>
public readonly record struct SharePartitionKey(string GroupId, Uuid TopicId, int Partition)
{
    public string CoordinatorKey => $"{GroupId}:{TopicId}:{Partition}";

    /// <summary>
    /// Reads a coordinator key as Kafka's SharePartitionKey does: three colon-separated parts, a
    /// non-empty group id, a topic id and a partition number. The group id may itself hold colons
    /// (share group ids are free text), so the topic id and partition are taken from the right.
    /// </summary>
    public static bool TryParse(string key, out SharePartitionKey parsed)
    {
        parsed = default;
        var last = key.LastIndexOf(':');
        var middle = last > 0 ? key.LastIndexOf(':', last - 1) : -1;
        if (middle <= 0
            || !int.TryParse(key.AsSpan(last + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var partition))
        {
            return false;
        }
        Uuid topicId;
        try
        {
            topicId = Uuid.Parse(key[(middle + 1)..last]);
        }
        catch (FormatException)
        {
            return false;
        }
        parsed = new SharePartitionKey(key[..middle], topicId, partition);
        return true;
    }

    public override string ToString() => CoordinatorKey;
}
