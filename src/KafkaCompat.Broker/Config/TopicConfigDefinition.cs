namespace KafkaCompat.Broker.Config;

/// <summary>
/// A broker config that supplies a topic config's default, with the factor that converts its unit
/// (log.retention.hours to retention.ms is 3,600,000; most are 1).
/// </summary>
public sealed record BrokerSynonym(string Name, long Multiplier = 1);

/// <summary>
/// One topic config (Kafka's LogConfig): its type and validator, and the broker configs its default
/// comes from, in Kafka's order (ServerTopicConfigSynonyms): the first that is set wins.
/// </summary>
public sealed record TopicConfigDefinition(
    string Name,
    ConfigType Type,
    ConfigValidator? Validator,
    IReadOnlyList<BrokerSynonym> BrokerSynonyms,
    string? DefaultWithoutSynonym = null)
{
    public ConfigDefinition AsDefinition { get; } = new(Name, Type, DefaultWithoutSynonym, ConfigUpdateMode.ClusterWide, Validator);

    /// <summary>As <see cref="ConfigDefinition.NotActedOnReason"/>: null when the log acts on it.</summary>
    public string? NotActedOnReason { get; init; }

    public TopicConfigDefinition NotActedOn(string reason) => this with { NotActedOnReason = reason };

    /// <summary>Kafka's static default of the topic config: the default of its broker synonyms, converted.</summary>
    public string? KafkaDefault
    {
        get
        {
            foreach (var synonym in BrokerSynonyms)
            {
                if (BrokerConfigDefinitions.Find(synonym.Name)?.DefaultValue is { } value)
                {
                    return Convert(value, synonym);
                }
            }
            return DefaultWithoutSynonym;
        }
    }

    /// <summary>A broker value in the topic's unit (hours and minutes become milliseconds).</summary>
    public static string Convert(string brokerValue, BrokerSynonym synonym) =>
        synonym.Multiplier == 1
            ? brokerValue.Trim()
            : (long.Parse(brokerValue.Trim(), System.Globalization.CultureInfo.InvariantCulture) * synonym.Multiplier).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
