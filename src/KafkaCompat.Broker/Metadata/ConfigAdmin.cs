using KafkaCompat.Broker.Config;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// Config changes for AlterConfigs and IncrementalAlterConfigs alike (topics, brokers and, as KIP-848
/// added, groups): the resource's current overrides, validation by the config layer, and the
/// ConfigRecords that make a change durable (computed and written by the controller). A config
/// that is set but not acted on yet is named in a warning once the change is accepted.
/// </summary>
public sealed class ConfigAdmin(MetadataController metadata, BrokerState broker, ILogger<ConfigAdmin> logger)
{
    public const sbyte TopicResource = MetadataImage.TopicResource;
    public const sbyte BrokerResource = MetadataImage.BrokerResource;
    public const sbyte GroupResource = MetadataImage.GroupResource;

    public async Task<ConfigResult> IncrementalAlter(sbyte resourceType, string resourceName, IReadOnlyList<AlterConfigOp> ops, bool validateOnly)
    {
        var result = resourceType switch
        {
            TopicResource => await Commit(resourceType, resourceName, image => TopicConfigValidator.IncrementalAlter(image.Topic(resourceName)!.Configs, ops), validateOnly),
            BrokerResource => await Commit(resourceType, resourceName, _ => DynamicBrokerConfigUpdater.IncrementalAlter(broker.Config, resourceName, ops), validateOnly),
            GroupResource when resourceName.Length == 0 => DefaultGroupResource,
            GroupResource => await Commit(resourceType, resourceName, image => GroupConfigValidator.IncrementalAlter(image.GroupConfigsOf(resourceName), ops, broker.Config), validateOnly),
            _ => Unsupported(resourceType),
        };
        WarnIfNotActedOn(result, resourceType, resourceName, ops.Where(o => o.Operation is ConfigOperation.Set or ConfigOperation.Append && o.Value is not null).Select(o => o.Name));
        return result;
    }

    public async Task<ConfigResult> Alter(sbyte resourceType, string resourceName, IReadOnlyDictionary<string, string?> configs, bool validateOnly)
    {
        var result = resourceType switch
        {
            TopicResource => await Commit(resourceType, resourceName, image => TopicConfigValidator.Alter(image.Topic(resourceName)!.Configs, configs), validateOnly),
            BrokerResource => await Commit(resourceType, resourceName, _ => DynamicBrokerConfigUpdater.Alter(broker.Config, resourceName, configs), validateOnly),
            GroupResource when resourceName.Length == 0 => DefaultGroupResource,
            GroupResource => await Commit(resourceType, resourceName, image => GroupConfigValidator.Alter(image.GroupConfigsOf(resourceName), configs, broker.Config), validateOnly),
            _ => Unsupported(resourceType),
        };
        WarnIfNotActedOn(result, resourceType, resourceName, configs.Where(c => c.Value is not null).Select(c => c.Key));
        return result;
    }

    private void WarnIfNotActedOn(ConfigResult result, sbyte resourceType, string resourceName, IEnumerable<string> setNames)
    {
        if (!result.IsOk)
        {
            return;
        }
        var names = setNames.Order(StringComparer.Ordinal);
        var (warnings, resource) = resourceType switch
        {
            TopicResource => (ConfigsNotActedOn.ForTopicConfigs(names), $"Topic {resourceName}"),
            GroupResource => (ConfigsNotActedOn.ForGroupConfigs(names), $"Group {resourceName}"),
            _ => (ConfigsNotActedOn.ForBrokerConfigs(names), $"Broker '{resourceName}'"),
        };
        foreach (var warning in warnings)
        {
            logger.LogWarning("{Resource}: {Warning}", resource, warning);
        }
    }

    /// <summary>
    /// The new overrides are computed on the controller's event queue from its latest image (the
    /// controller finds the topic first), so concurrent changes of one resource do not lose each other.
    /// </summary>
    private async Task<ConfigResult> Commit<T>(sbyte resourceType, string resourceName, Func<MetadataImage, ConfigAlterResult<T>> alter, bool validateOnly) where T : class
    {
        var written = await metadata.AlterConfigs(resourceType, resourceName, image =>
        {
            var result = alter(image);
            return (result.Result.IsOk ? MetadataResult.Ok : new MetadataResult(result.Result.Error, result.Result.Message),
                [.. result.Changes.Select(c => KeyValuePair.Create(c.Name, c.Value))]);
        }, validateOnly);
        return written.IsOk ? ConfigResult.Ok : new ConfigResult(written.Error, written.Message);
    }

    /// <summary>Kafka's controller refuses the empty group name (there are no cluster-wide group configs: the broker's group.* configs are the defaults).</summary>
    private static ConfigResult DefaultGroupResource { get; } = ConfigResult.InvalidRequest("Default group resources are not allowed.");

    private static ConfigResult Unsupported(sbyte resourceType) =>
        ConfigResult.InvalidRequest($"Unsupported resource type {resourceType}: configs can be altered on topics (2), brokers (4) and groups (32)");
}
