using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// Kafka's server-side <c>range</c> assignor: topic by topic, the members subscribed to it (in
/// member id order) get contiguous ranges of its partitions, the first ones one partition more when
/// the count does not divide evenly, so that co-partitioned topics are assigned alike.
/// </summary>
public sealed class RangeAssignor : IConsumerGroupAssignor
{
    public const string AssignorName = "range";

    public string Name => AssignorName;

    public IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> Assign(IReadOnlyList<AssignorMember> members, IReadOnlyDictionary<Uuid, int> partitionsPerTopic)
    {
        var result = members.ToDictionary(m => m.MemberId, _ => ImmutableHashSet.CreateBuilder<TopicIdPartition>(), StringComparer.Ordinal);
        foreach (var (topic, count) in partitionsPerTopic)
        {
            var subscribed = members.Where(m => m.Topics.Contains(topic)).Select(m => m.MemberId).Order(StringComparer.Ordinal).ToList();
            if (subscribed.Count == 0)
            {
                continue;
            }
            var quota = count / subscribed.Count;
            var extra = count % subscribed.Count;
            var next = 0;
            for (var i = 0; i < subscribed.Count; i++)
            {
                var size = quota + (i < extra ? 1 : 0);
                for (var p = next; p < next + size; p++)
                {
                    result[subscribed[i]].Add(new TopicIdPartition(topic, p));
                }
                next += size;
            }
        }
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.ToImmutable(), StringComparer.Ordinal);
    }
}
