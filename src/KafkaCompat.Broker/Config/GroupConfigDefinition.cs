namespace KafkaCompat.Broker.Config;

/// <summary>
/// One config of the GROUP resource (KIP-848): its definition (name, type, Kafka's default,
/// validator), the broker config that gives every group its value (Kafka names it
/// <c>group.</c> + the group config's name; null when the group config has none, and then Kafka's
/// own default applies), and the broker configs bounding it (a group's value must lie within them).
/// </summary>
public sealed record GroupConfigDefinition(ConfigDefinition Definition, string? BrokerSynonym, string? MinConfig, string? MaxConfig)
{
    public string Name => Definition.Name;

    public ConfigType Type => Definition.Type;

    /// <summary>Why a value of this config is accepted but not acted on yet; null when it is acted on.</summary>
    public string? NotActedOnReason { get; init; }
}
