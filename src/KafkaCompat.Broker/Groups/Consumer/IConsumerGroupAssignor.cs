using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>A server-side assignor of KIP-848, chosen by the name in ConsumerGroupHeartbeat's ServerAssignor.</summary>
public interface IConsumerGroupAssignor
{
    string Name { get; }

    /// <summary>The new target assignment: every partition of every subscribed topic goes to exactly one member subscribed to its topic.</summary>
    IReadOnlyDictionary<string, ImmutableHashSet<TopicIdPartition>> Assign(IReadOnlyList<AssignorMember> members, IReadOnlyDictionary<Uuid, int> partitionsPerTopic);
}
