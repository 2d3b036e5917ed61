using System.Collections.Immutable;
using KafkaCompat.Protocol;
using KafkaCompat.Protocol.Metadata;

namespace KafkaCompat.Broker.Metadata;

/// <summary>One partition as the metadata log describes it.</summary>
public sealed record PartitionImage(int Partition, int Leader, int LeaderEpoch, int PartitionEpoch, ImmutableArray<int> Replicas, ImmutableArray<int> Isr);

/// <summary>One topic: its stable id, partitions and config overrides.</summary>
public sealed record TopicImage(string Name, Uuid Id, ImmutableArray<PartitionImage> Partitions, ImmutableDictionary<string, string> Configs);

/// <summary>
/// The cluster's metadata at one point of the metadata log: an immutable
/// snapshot, replaced whole on every change, so readers never lock. It changes
/// only by replaying records (<see cref="Apply"/>), at start-up and after each
/// write alike.
/// </summary>
public sealed record MetadataImage(
    ImmutableSortedDictionary<string, TopicImage> Topics,
    ImmutableDictionary<Uuid, string> TopicNames,
    ImmutableDictionary<string, ImmutableDictionary<string, string>> BrokerConfigs,
    long NextProducerId = 0)
{
    public const sbyte TopicResource = 2;
    public const sbyte BrokerResource = 4;

    /// <summary>KIP-848's GROUP config resource: a group's dynamic configs, kept whether or not the group exists.</summary>
    public const sbyte GroupResource = 32;

    public static MetadataImage Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, TopicImage>(StringComparer.Ordinal),
        ImmutableDictionary<Uuid, string>.Empty,
        ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty);

    /// <summary>The dynamic configs of every group that has any, by group id.</summary>
    public ImmutableDictionary<string, ImmutableDictionary<string, string>> GroupConfigs { get; init; } =
        ImmutableDictionary.Create<string, ImmutableDictionary<string, string>>(StringComparer.Ordinal);

    /// <summary>The registered brokers and controllers (KIP-631, KIP-919).</summary>
    public ClusterImage Cluster { get; init; } = ClusterImage.Empty;

    public TopicImage? Topic(string name) => Topics.GetValueOrDefault(name);

    public ImmutableDictionary<string, string> GroupConfigsOf(string groupId) =>
        GroupConfigs.GetValueOrDefault(groupId) ?? ImmutableDictionary<string, string>.Empty;

    /// <summary>Dynamic configs for every broker (Kafka's "default" broker resource, named "").</summary>
    public ImmutableDictionary<string, string> ClusterDefaultConfigs => BrokerConfigs.GetValueOrDefault("") ?? ImmutableDictionary<string, string>.Empty;

    public ImmutableDictionary<string, string> BrokerConfigsOf(int nodeId) =>
        BrokerConfigs.GetValueOrDefault(nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? ImmutableDictionary<string, string>.Empty;

    public TopicImage? Topic(Uuid id) => TopicNames.TryGetValue(id, out var name) ? Topics.GetValueOrDefault(name) : null;

    public MetadataImage Apply(IKafkaMessage record) => record switch
    {
        TopicRecord topic => this with
        {
            Topics = Topics.SetItem(topic.Name, new TopicImage(topic.Name, topic.TopicId, [], ImmutableDictionary<string, string>.Empty)),
            TopicNames = TopicNames.SetItem(topic.TopicId, topic.Name),
        },
        PartitionRecord partition => WithTopic(partition.TopicId, t => t with { Partitions = Upsert(t.Partitions, partition) }),
        ConfigRecord { ResourceType: TopicResource } config => WithTopicNamed(config.ResourceName, t => t with
        {
            Configs = Change(t.Configs, config),
        }),
        ConfigRecord { ResourceType: BrokerResource } config => this with
        {
            BrokerConfigs = BrokerConfigs.SetItem(config.ResourceName, Change(BrokerConfigs.GetValueOrDefault(config.ResourceName) ?? ImmutableDictionary<string, string>.Empty, config)),
        },
        ConfigRecord { ResourceType: GroupResource } config => WithGroupConfigs(config.ResourceName, Change(GroupConfigsOf(config.ResourceName), config)),
        RemoveTopicRecord remove => TopicNames.TryGetValue(remove.TopicId, out var name)
            ? this with { Topics = Topics.Remove(name), TopicNames = TopicNames.Remove(remove.TopicId) }
            : this,
        ProducerIdsRecord ids => this with { NextProducerId = Math.Max(NextProducerId, ids.NextProducerId) },
        _ when Cluster.Apply(record) is { } cluster => this with { Cluster = cluster },
        // Records this broker does not act on yet (features, ACLs...) leave the image as it is.
        _ => this,
    };

    public MetadataImage ApplyAll(IEnumerable<IKafkaMessage> records)
    {
        var image = this;
        foreach (var record in records)
        {
            image = image.Apply(record);
        }
        return image;
    }

    /// <summary>
    /// The records that rebuild this image from <see cref="Empty"/>: what a snapshot holds (Kafka's
    /// image writer). Configs are written in name order, so equal images give equal records.
    /// </summary>
    public IEnumerable<IKafkaMessage> ToRecords()
    {
        // Registrations first, as Kafka's image writer orders them: partitions may name these brokers.
        foreach (var record in Cluster.ToRecords())
        {
            yield return record;
        }
        foreach (var topic in Topics.Values)
        {
            yield return new TopicRecord { Name = topic.Name, TopicId = topic.Id };
            foreach (var p in topic.Partitions)
            {
                yield return new PartitionRecord
                {
                    TopicId = topic.Id,
                    PartitionId = p.Partition,
                    Replicas = [.. p.Replicas],
                    Isr = [.. p.Isr],
                    Leader = p.Leader,
                    LeaderEpoch = p.LeaderEpoch,
                    PartitionEpoch = p.PartitionEpoch,
                };
            }
            foreach (var config in topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                yield return new ConfigRecord { ResourceType = TopicResource, ResourceName = topic.Name, Name = config.Key, Value = config.Value };
            }
        }
        foreach (var (broker, configs) in BrokerConfigs.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            foreach (var config in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                yield return new ConfigRecord { ResourceType = BrokerResource, ResourceName = broker, Name = config.Key, Value = config.Value };
            }
        }
        foreach (var (group, configs) in GroupConfigs.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var config in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                yield return new ConfigRecord { ResourceType = GroupResource, ResourceName = group, Name = config.Key, Value = config.Value };
            }
        }
        if (NextProducerId > 0)
        {
            // The image keeps only the next free id; -1 names no broker, as the block's owner no longer matters.
            yield return new ProducerIdsRecord { BrokerId = -1, BrokerEpoch = -1, NextProducerId = NextProducerId };
        }
    }

    private static ImmutableDictionary<string, string> Change(ImmutableDictionary<string, string> configs, ConfigRecord record) =>
        record.Value is null ? configs.Remove(record.Name) : configs.SetItem(record.Name, record.Value);

    /// <summary>A group left with no configs is dropped, so the image (and a snapshot of it) holds only groups that have some.</summary>
    private MetadataImage WithGroupConfigs(string groupId, ImmutableDictionary<string, string> configs) => this with
    {
        GroupConfigs = configs.IsEmpty ? GroupConfigs.Remove(groupId) : GroupConfigs.SetItem(groupId, configs),
    };

    private MetadataImage WithTopic(Uuid id, Func<TopicImage, TopicImage> change) =>
        TopicNames.TryGetValue(id, out var name) ? WithTopicNamed(name, change) : this;

    private MetadataImage WithTopicNamed(string name, Func<TopicImage, TopicImage> change) =>
        Topics.TryGetValue(name, out var topic) ? this with { Topics = Topics.SetItem(name, change(topic)) } : this;

    private static ImmutableArray<PartitionImage> Upsert(ImmutableArray<PartitionImage> partitions, PartitionRecord record)
    {
        var image = new PartitionImage(record.PartitionId, record.Leader, record.LeaderEpoch, record.PartitionEpoch, [.. record.Replicas], [.. record.Isr]);
        var index = partitions.IndexOf(partitions.FirstOrDefault(p => p.Partition == record.PartitionId)!);
        var updated = index >= 0 ? partitions.SetItem(index, image) : partitions.Add(image);
        return [.. updated.OrderBy(p => p.Partition)];
    }
}
