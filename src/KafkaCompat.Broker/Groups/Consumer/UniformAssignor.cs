using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// Kafka's server-side <c>uniform</c> assignor (the default): partitions spread as evenly as the
/// subscriptions allow, sticky to the current target so that a membership change moves as few
/// partitions as it can. A member keeps its partitions up to its share; partitions without an
/// owner go to the eligible member holding fewest; then partitions move from a member holding two
/// or more than an eligible one until no such pair remains.
/// </summary>
public sealed class UniformAssignor : IConsumerGroupAssignor
{
    public const string AssignorName = "uniform";

    public string Name => AssignorName;

    public IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> Assign(IReadOnlyList<AssignorMember> members, IReadOnlyDictionary<Uuid, int> partitionsPerTopic)
    {
        var ordered = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        var owned = ordered.ToDictionary(m => m.MemberId, _ => new HashSet<TopicIdPartition>(), StringComparer.Ordinal);
        var all = partitionsPerTopic
            .Where(t => ordered.Any(m => m.Topics.Contains(t.Key)))
            .OrderBy(t => t.Key.MostSignificantBits).ThenBy(t => t.Key.LeastSignificantBits)
            .SelectMany(t => Enumerable.Range(0, t.Value).Select(p => new TopicIdPartition(t.Key, p)))
            .ToList();
        if (ordered.Count == 0)
        {
            return new Dictionary<string, ImmutableHashSet<TopicIdPartition>>(StringComparer.Ordinal);
        }
        var share = (all.Count + ordered.Count - 1) / ordered.Count;
        var taken = new HashSet<TopicIdPartition>();
        foreach (var member in ordered)
        {
            foreach (var partition in member.CurrentTarget.Where(p => member.Topics.Contains(p.TopicId) && p.Partition < partitionsPerTopic.GetValueOrDefault(p.TopicId))
                         .OrderBy(p => p.Partition).Take(share))
            {
                if (taken.Add(partition))
                {
                    owned[member.MemberId].Add(partition);
                }
            }
        }
        foreach (var partition in all.Where(p => !taken.Contains(p)))
        {
            var to = ordered.Where(m => m.Topics.Contains(partition.TopicId)).MinBy(m => owned[m.MemberId].Count)!;
            owned[to.MemberId].Add(partition);
        }
        Balance(ordered, owned);
        return owned.ToDictionary(kv => kv.Key, kv => kv.Value.ToImmutableHashSet(), StringComparer.Ordinal);
    }

    private static void Balance(List<AssignorMember> members, Dictionary<string, HashSet<TopicIdPartition>> owned)
    {
        bool moved;
        do
        {
            moved = false;
            foreach (var from in members.OrderByDescending(m => owned[m.MemberId].Count))
            {
                foreach (var partition in owned[from.MemberId].OrderBy(p => p.TopicId.MostSignificantBits).ThenBy(p => p.Partition).ToList())
                {
                    var to = members.Where(m => m.Topics.Contains(partition.TopicId) && owned[m.MemberId].Count + 1 < owned[from.MemberId].Count)
                        .MinBy(m => owned[m.MemberId].Count);
                    if (to is null)
                    {
                        continue;
                    }
                    owned[from.MemberId].Remove(partition);
                    owned[to.MemberId].Add(partition);
                    moved = true;
                }
            }
        }
        while (moved);
    }
}
