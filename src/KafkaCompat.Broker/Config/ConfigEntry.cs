namespace KafkaCompat.Broker.Config;

/// <summary>One synonym of a described config: where else the value could come from, best first.</summary>
public sealed record ConfigSynonym(string Name, string? Value, ConfigSource Source);

/// <summary>One config as DescribeConfigs returns it (sensitive values are already null).</summary>
public sealed record ConfigEntry(
    string Name,
    string? Value,
    ConfigSource Source,
    bool IsReadOnly,
    bool IsSensitive,
    ConfigType Type,
    IReadOnlyList<ConfigSynonym> Synonyms,
    string? Documentation = null)
{
    /// <summary>DescribeConfigs v0's IsDefault flag.</summary>
    public bool IsDefault => Source == ConfigSource.DefaultConfig;
}
