using System.Collections.Immutable;
using KafkaCompat.Broker.Metadata;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// The one place the group coordinators (consumer, share, streams) read a group's settings: the
/// group's dynamic configs from the committed metadata image (ConfigRecords of resource type 32,
/// so they survive a restart) over the broker's current configs. Read on every use, so a change
/// made with IncrementalAlterConfigs applies from the next heartbeat on, as in Kafka.
/// </summary>
public sealed class GroupConfigs(Func<MetadataImage> image, Func<BrokerConfig> broker)
{
    /// <summary>The settings <paramref name="groupId"/> runs with now (the broker's defaults when it has no configs of its own; the group need not exist).</summary>
    public GroupConfig For(string groupId) => GroupConfig.Of(broker(), Overrides(groupId));

    /// <summary>The dynamic configs set on <paramref name="groupId"/> (empty when none are).</summary>
    public ImmutableDictionary<string, string> Overrides(string groupId) => image().GroupConfigsOf(groupId);
}
