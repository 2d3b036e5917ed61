using KafkaCompat.Broker.Config;
using KafkaCompat.Protocol;
using Microsoft.Extensions.Logging;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// Config changes for AlterConfigs and IncrementalAlterConfigs alike: the
/// resource's current overrides, validation by the config layer, and the
/// ConfigRecords that make a change durable (through the controller). A config
/// that is set but not acted on yet is named in a warning once the change is accepted.
/// </summary>
public sealed class ConfigAdmin(MetadataController metadata, BrokerState broker, ILogger<ConfigAdmin> logger)
{
    public const sbyte TopicResource = MetadataImage.TopicResource;
    public const sbyte BrokerResource = MetadataImage.BrokerResource;

    public ConfigResult IncrementalAlter(sbyte resourceType, string resourceName, IReadOnlyList<AlterConfigOp> ops, bool validateOnly)
    {
        var result = resourceType switch
        {
            TopicResource => ForTopic(resourceName, overrides => TopicConfigValidator.IncrementalAlter(overrides, ops), validateOnly),
            BrokerResource => Commit(DynamicBrokerConfigUpdater.IncrementalAlter(broker.Config, resourceName, ops), resourceType, resourceName, validateOnly),
            _ => Unsupported(resourceType),
        };
        WarnIfNotActedOn(result, resourceType, resourceName, ops.Where(o => o.Operation is ConfigOperation.Set or ConfigOperation.Append && o.Value is not null).Select(o => o.Name));
        return result;
    }

    public ConfigResult Alter(sbyte resourceType, string resourceName, IReadOnlyDictionary<string, string?> configs, bool validateOnly)
    {
        var result = resourceType switch
        {
            TopicResource => ForTopic(resourceName, overrides => TopicConfigValidator.Alter(overrides, configs), validateOnly),
            BrokerResource => Commit(DynamicBrokerConfigUpdater.Alter(broker.Config, resourceName, configs), resourceType, resourceName, validateOnly),
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
        var warnings = resourceType == TopicResource ? ConfigsNotActedOn.ForTopicConfigs(names) : ConfigsNotActedOn.ForBrokerConfigs(names);
        foreach (var warning in warnings)
        {
            logger.LogWarning("{Resource}: {Warning}", resourceType == TopicResource ? $"Topic {resourceName}" : $"Broker '{resourceName}'", warning);
        }
    }

    private ConfigResult ForTopic<T>(string topic, Func<IReadOnlyDictionary<string, string>, ConfigAlterResult<T>> alter, bool validateOnly) where T : class =>
        metadata.Image.Topic(topic) is { } image
            ? Commit(alter(image.Configs), TopicResource, topic, validateOnly)
            : new ConfigResult(ErrorCode.UnknownTopicOrPartition, $"The topic '{topic}' does not exist.");

    private ConfigResult Commit<T>(ConfigAlterResult<T> result, sbyte resourceType, string resourceName, bool validateOnly) where T : class
    {
        if (!result.Result.IsOk || validateOnly)
        {
            return result.Result;
        }
        var written = metadata.AlterConfigs(resourceType, resourceName, result.Changes.Select(c => KeyValuePair.Create(c.Name, c.Value)).ToList());
        return written.IsOk ? ConfigResult.Ok : new ConfigResult(written.Error, written.Message);
    }

    private static ConfigResult Unsupported(sbyte resourceType) =>
        ConfigResult.InvalidRequest($"Unsupported resource type {resourceType}: configs can be altered on topics (2) and brokers (4)");
}
