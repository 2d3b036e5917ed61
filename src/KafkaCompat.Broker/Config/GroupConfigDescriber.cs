namespace KafkaCompat.Broker.Config;

/// <summary>
/// DescribeConfigs for a GROUP resource, following Kafka's ConfigHelper.createGroupConfigEntry:
/// every group config, whether or not the group exists or has configs of its own. A config set on
/// the group is GROUP_CONFIG (source 8) with the group's value; otherwise the value and source are
/// those of its <c>group.</c>-prefixed broker config (static or default), or, for a config with no
/// broker counterpart, Kafka's default (DEFAULT_CONFIG). Never read-only, never sensitive.
/// </summary>
public static class GroupConfigDescriber
{
    /// <summary>The entries of <paramref name="names"/> (every group config when null or empty), sorted by name.</summary>
    public static IReadOnlyList<ConfigEntry> Describe(
        BrokerConfig broker, IReadOnlyDictionary<string, string> overrides, IReadOnlyCollection<string>? names = null, bool includeSynonyms = true) =>
        [.. GroupConfigDefinitions.All
            .Where(d => names is null || names.Count == 0 || names.Contains(d.Name))
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => Entry(broker, overrides, d, includeSynonyms))];

    private static ConfigEntry Entry(BrokerConfig broker, IReadOnlyDictionary<string, string> overrides, GroupConfigDefinition definition, bool includeSynonyms)
    {
        var synonyms = new List<ConfigSynonym>();
        if (overrides.TryGetValue(definition.Name, out var value))
        {
            synonyms.Add(new ConfigSynonym(definition.Name, Normalized(definition, value), ConfigSource.GroupConfig));
        }
        if (definition.BrokerSynonym is { } brokerName && BrokerConfigDefinitions.Find(brokerName) is not null)
        {
            synonyms.AddRange(BrokerConfigDescriber.Synonyms(broker, brokerName));
        }
        else
        {
            synonyms.Add(new ConfigSynonym(definition.Name, definition.Definition.DefaultValue, ConfigSource.DefaultConfig));
        }
        return new ConfigEntry(
            definition.Name,
            synonyms[0].Value,
            synonyms[0].Source,
            IsReadOnly: false,
            IsSensitive: false,
            definition.Type,
            includeSynonyms ? synonyms : []);
    }

    /// <summary>Kafka prints the parsed value (ConfigDef.convertToString), so " 50000" is described as "50000".</summary>
    private static string Normalized(GroupConfigDefinition definition, string value) =>
        definition.Definition.Parse(value) is int number ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : value.Trim();
}
