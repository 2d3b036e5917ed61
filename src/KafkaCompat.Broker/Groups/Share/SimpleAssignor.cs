using System.Collections.Immutable;
using KafkaCompat.Broker.Groups.Consumer;

namespace KafkaCompat.Broker.Groups.Share;

/// <summary>
/// Kafka's share-group assignor, <c>simple</c> (KIP-932). Unlike a consumer-group assignor it may give
/// one partition to several members, since the share partition hands each record to one member at a
/// time: with more members than partitions every partition is shared by about members/partitions
/// members; with fewer, each partition goes to one member. Balance comes first (member loads differ
/// by at most one where the subscriptions allow), then stickiness: a member keeps what it had, up to
/// its share.
/// </summary>
public sealed class SimpleAssignor
{
    public const string AssignorName = "simple";

    public string Name => AssignorName;

    /// <param name="members">Each member's subscribed topic ids and its partitions in the current target.</param>
    /// <param name="assignable">The partitions that may be assigned (initialized ones of subscribed topics).</param>
    public IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> Assign(IReadOnlyList<AssignorMember> members, IReadOnlyCollection<TopicIdPartition> assignable)
    {
        var ordered = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        var partitions = assignable.Distinct()
            .OrderBy(p => p.TopicId.MostSignificantBits).ThenBy(p => p.TopicId.LeastSignificantBits).ThenBy(p => p.Partition)
            .ToList();
        var owned = ordered.ToDictionary(m => m.MemberId, _ => new HashSet<TopicIdPartition>(), StringComparer.Ordinal);
        var eligible = partitions.ToDictionary(p => p, p => ordered.Where(m => m.Topics.Contains(p.TopicId)).ToList());
        var sharing = partitions.ToDictionary(p => p, p => DesiredSharing(p, eligible, partitions));
        var quota = Quotas(ordered, eligible, sharing);
        var holders = partitions.ToDictionary(p => p, _ => 0);

        // Stickiness: a member keeps its partitions while neither it nor the partition is over its share.
        foreach (var member in ordered)
        {
            foreach (var partition in member.CurrentTarget.Where(holders.ContainsKey).Where(p => member.Topics.Contains(p.TopicId))
                         .OrderBy(p => p.TopicId.MostSignificantBits).ThenBy(p => p.TopicId.LeastSignificantBits).ThenBy(p => p.Partition))
            {
                if (owned[member.MemberId].Count < quota[member.MemberId] && holders[partition] < sharing[partition])
                {
                    owned[member.MemberId].Add(partition);
                    holders[partition]++;
                }
            }
        }

        // Balance: each partition short of its sharing goes to the least loaded eligible member under its
        // quota; a partition nobody holds goes to the least loaded eligible member in any case.
        foreach (var partition in partitions)
        {
            while (holders[partition] < sharing[partition])
            {
                var candidates = eligible[partition].Where(m => !owned[m.MemberId].Contains(partition)).ToList();
                var to = candidates.Where(m => owned[m.MemberId].Count < quota[m.MemberId]).MinBy(m => owned[m.MemberId].Count)
                    ?? (holders[partition] == 0 ? candidates.MinBy(m => owned[m.MemberId].Count) : null);
                if (to is null)
                {
                    break;
                }
                owned[to.MemberId].Add(partition);
                holders[partition]++;
            }
        }
        return owned.ToDictionary(kv => kv.Key, kv => kv.Value.ToImmutableHashSet(), StringComparer.Ordinal);
    }

    /// <summary>
    /// How many members should share a partition: its eligible members spread over the partitions
    /// those members could take, rounded up (ceil(members / partitions) when everyone subscribes to
    /// the same topics, as in Kafka).
    /// </summary>
    private static int DesiredSharing(TopicIdPartition partition, Dictionary<TopicIdPartition, List<AssignorMember>> eligible, List<TopicIdPartition> partitions)
    {
        var members = eligible[partition];
        if (members.Count == 0)
        {
            return 0;
        }
        var reachable = partitions.Count(p => members.Any(m => m.Topics.Contains(p.TopicId)));
        return (members.Count + reachable - 1) / reachable;
    }

    /// <summary>
    /// Each member's share of the assignments: the sum over its partitions of their sharing divided
    /// among their eligible members, rounded down, the remainder given one by one in member order.
    /// </summary>
    private static Dictionary<string, int> Quotas(List<AssignorMember> members, Dictionary<TopicIdPartition, List<AssignorMember>> eligible,
        Dictionary<TopicIdPartition, int> sharing)
    {
        var expected = members.ToDictionary(m => m.MemberId, _ => 0.0, StringComparer.Ordinal);
        foreach (var (partition, candidates) in eligible)
        {
            foreach (var member in candidates)
            {
                expected[member.MemberId] += (double)sharing[partition] / candidates.Count;
            }
        }
        var quota = expected.ToDictionary(kv => kv.Key, kv => (int)Math.Floor(kv.Value + 1e-9), StringComparer.Ordinal);
        var remainder = (int)Math.Round(expected.Values.Sum()) - quota.Values.Sum();
        foreach (var member in members.Where(m => expected[m.MemberId] - quota[m.MemberId] > 1e-9))
        {
            if (remainder-- <= 0)
            {
                break;
            }
            quota[member.MemberId]++;
        }
        return quota;
    }
}
