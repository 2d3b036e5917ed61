using System.Collections.Immutable;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>What a server-side assignor knows of a member: its subscribed topics (by id) and its partitions in the current target (for stickiness).</summary>
public sealed record AssignorMember(string MemberId, IReadOnlySet<Uuid> Topics, ImmutableHashSet<TopicIdPartition> CurrentTarget);
