using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// A topic's effective configuration: its overrides, then the broker's values (dynamic, static,
/// default) of the synonyms, converted to the topic's unit. Describe follows Kafka's
/// ConfigHelper.createTopicConfigEntry: a set override is DYNAMIC_TOPIC_CONFIG, otherwise the source
/// is the first broker synonym's.
/// </summary>
public static class TopicConfigs
{
    /// <summary>The effective value of one topic config (null only if Kafka has no default either).</summary>
    public static string? Value(BrokerConfig broker, IReadOnlyDictionary<string, string> overrides, TopicConfigDefinition definition)
    {
        if (overrides.TryGetValue(definition.Name, out var value))
        {
            return value;
        }
        foreach (var synonym in definition.BrokerSynonyms)
        {
            if (broker.Value(synonym.Name) is { } brokerValue)
            {
                return TopicConfigDefinition.Convert(brokerValue, synonym);
            }
        }
        return definition.DefaultWithoutSynonym;
    }

    /// <summary>Every topic config by name, as the log layer needs them.</summary>
    public static IReadOnlyDictionary<string, string> EffectiveValues(BrokerConfig broker, IReadOnlyDictionary<string, string> overrides) =>
        TopicConfigDefinitions.All
            .Select(d => (d.Name, Value: Value(broker, overrides, d)))
            .Where(p => p.Value is not null)
            .ToDictionary(p => p.Name, p => p.Value!, StringComparer.Ordinal);

    /// <summary>The storage layer's settings for a topic.</summary>
    public static LogConfig ToLogConfig(BrokerConfig broker, IReadOnlyDictionary<string, string> overrides) =>
        LogConfig.Default.With(EffectiveValues(broker, overrides));

    /// <summary>DescribeConfigs for a TOPIC resource, sorted by name.</summary>
    public static IReadOnlyList<ConfigEntry> Describe(
        BrokerConfig broker, IReadOnlyDictionary<string, string> overrides, IReadOnlyCollection<string>? names = null, bool includeSynonyms = true) =>
        [.. TopicConfigDefinitions.All
            .Where(d => names is null || names.Count == 0 || names.Contains(d.Name))
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => Entry(broker, overrides, d, includeSynonyms))];

    private static ConfigEntry Entry(BrokerConfig broker, IReadOnlyDictionary<string, string> overrides, TopicConfigDefinition definition, bool includeSynonyms)
    {
        var synonyms = new List<ConfigSynonym>();
        if (overrides.TryGetValue(definition.Name, out var value))
        {
            synonyms.Add(new ConfigSynonym(definition.Name, value, ConfigSource.DynamicTopicConfig));
        }
        if (definition.BrokerSynonyms.Count > 0)
        {
            synonyms.AddRange(BrokerConfigDescriber.Synonyms(broker, definition.BrokerSynonyms[0].Name));
        }
        return new ConfigEntry(
            definition.Name,
            Value(broker, overrides, definition),
            synonyms.Count == 0 ? ConfigSource.DefaultConfig : synonyms[0].Source,
            IsReadOnly: false,
            IsSensitive: false,
            definition.Type,
            includeSynonyms ? synonyms : []);
    }
}
