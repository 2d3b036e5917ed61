namespace KafkaCompat.Broker.Config;

/// <summary>
/// DescribeConfigs for the BROKER resource, following Kafka's ConfigHelper: every config with its
/// current value, the source of the first synonym, read-only unless Kafka can update it dynamically,
/// and passwords (or configs of unknown type) hidden.
/// </summary>
public static class BrokerConfigDescriber
{
    /// <summary>The broker's own resource (named by its node.id): every known config plus any custom ones set.</summary>
    public static IReadOnlyList<ConfigEntry> DescribeBroker(BrokerConfig config, IReadOnlyCollection<string>? names = null, bool includeSynonyms = true)
    {
        var all = BrokerConfigDefinitions.All.Select(d => d.Name)
            .Concat(config.StaticConfigs.Keys).Concat(config.DynamicDefaultConfigs.Keys).Concat(config.DynamicBrokerConfigs.Keys)
            .Distinct(StringComparer.Ordinal)
            .Where(n => names is null || names.Count == 0 || names.Contains(n))
            .Order(StringComparer.Ordinal);
        return [.. all.Select(n => Entry(config, n, config.Value(n), perBroker: true, includeSynonyms))];
    }

    /// <summary>The cluster-default resource (empty name): only the dynamic defaults that are set, as Kafka lists them.</summary>
    public static IReadOnlyList<ConfigEntry> DescribeClusterDefault(BrokerConfig config, IReadOnlyCollection<string>? names = null, bool includeSynonyms = true) =>
        [.. config.DynamicDefaultConfigs
            .Where(kv => names is null || names.Count == 0 || names.Contains(kv.Key))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => Entry(config, kv.Key, kv.Value, perBroker: false, includeSynonyms))];

    /// <summary>
    /// Kafka's configSynonyms: every synonym with a value, grouped by source (per-broker dynamic,
    /// cluster-default dynamic, static, default), then everything before the config's own name dropped,
    /// so log.retention.hours never shows log.retention.ms as its synonym.
    /// </summary>
    public static IReadOnlyList<ConfigSynonym> Synonyms(BrokerConfig config, string name, bool perBroker = true)
    {
        var sensitive = IsSensitive(name);
        var synonymNames = BrokerConfigDefinitions.Synonyms(name);
        var layers = new List<(Func<string, string?> Lookup, ConfigSource Source)>();
        if (perBroker)
        {
            layers.Add((n => config.DynamicBrokerConfigs.GetValueOrDefault(n), ConfigSource.DynamicBrokerConfig));
        }
        layers.Add((n => config.DynamicDefaultConfigs.GetValueOrDefault(n), ConfigSource.DynamicDefaultBrokerConfig));
        layers.Add((n => config.StaticConfigs.GetValueOrDefault(n), ConfigSource.StaticBrokerConfig));
        layers.Add((n => BrokerConfigDefinitions.Find(n)?.DefaultValue, ConfigSource.DefaultConfig));

        var synonyms = new List<ConfigSynonym>();
        foreach (var (lookup, source) in layers)
        {
            foreach (var synonym in synonymNames)
            {
                if (lookup(synonym) is { } value)
                {
                    synonyms.Add(new ConfigSynonym(synonym, sensitive ? null : value, source));
                }
            }
        }
        return [.. synonyms.SkipWhile(s => s.Name != name)];
    }

    /// <summary>Kafka hides passwords and, not knowing their type, custom configs too.</summary>
    public static bool IsSensitive(string name) => TypeOf(name) is ConfigType.Password or ConfigType.Unknown;

    /// <summary>The type of a config, looking through a listener prefix (listener.name.x.ssl.key.password).</summary>
    public static ConfigType TypeOf(string name)
    {
        if (BrokerConfigDefinitions.Find(name) is { } definition)
        {
            return definition.Type;
        }
        if (BrokerConfigDefinitions.IsListenerOverride(name))
        {
            var rest = name[BrokerConfigDefinitions.ListenerPrefix.Length..];
            var dot = rest.IndexOf('.');
            if (dot > 0 && BrokerConfigDefinitions.Find(rest[(dot + 1)..]) is { } baseDefinition)
            {
                return baseDefinition.Type;
            }
        }
        return ConfigType.Unknown;
    }

    private static ConfigEntry Entry(BrokerConfig config, string name, string? value, bool perBroker, bool includeSynonyms)
    {
        var synonyms = Synonyms(config, name, perBroker);
        var sensitive = IsSensitive(name);
        var definition = BrokerConfigDefinitions.Find(name);
        return new ConfigEntry(
            name,
            sensitive ? null : value,
            synonyms.Count == 0 ? ConfigSource.DefaultConfig : synonyms[0].Source,
            IsReadOnly: !(definition?.IsDynamic ?? BrokerConfigDefinitions.IsListenerOverride(name)),
            sensitive,
            TypeOf(name),
            includeSynonyms ? synonyms : []);
    }
}
