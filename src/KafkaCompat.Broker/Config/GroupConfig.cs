using System.Globalization;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// The settings one group runs with (Kafka's GroupConfig): each of its dynamic group configs where
/// set, else the broker's value of the <c>group.</c>-prefixed config. A value set on the group is
/// kept within the broker's current min/max for it, so lowering a bound later takes effect on
/// groups already configured (KIP-1240 formalises this for every bounded group config).
/// </summary>
public sealed record GroupConfig(
    int ConsumerSessionTimeoutMs,
    int ConsumerHeartbeatIntervalMs,
    int ShareSessionTimeoutMs,
    int ShareHeartbeatIntervalMs,
    int ShareRecordLockDurationMs,
    string ShareAutoOffsetReset,
    string ShareIsolationLevel,
    int StreamsSessionTimeoutMs,
    int StreamsHeartbeatIntervalMs,
    int StreamsNumStandbyReplicas,
    int StreamsInitialRebalanceDelayMs)
{
    /// <summary>A group's settings from its dynamic configs (<paramref name="overrides"/>, already validated) and the broker's.</summary>
    public static GroupConfig Of(BrokerConfig broker, IReadOnlyDictionary<string, string> overrides)
    {
        int Int(string name) => EffectiveInt(broker, overrides, GroupConfigDefinitions.Find(name)!);
        string String(string name) => overrides.GetValueOrDefault(name)?.Trim() ?? GroupConfigDefinitions.Find(name)!.Definition.DefaultValue!;
        return new GroupConfig(
            Int(GroupConfigDefinitions.ConsumerSessionTimeoutMs),
            Int(GroupConfigDefinitions.ConsumerHeartbeatIntervalMs),
            Int(GroupConfigDefinitions.ShareSessionTimeoutMs),
            Int(GroupConfigDefinitions.ShareHeartbeatIntervalMs),
            Int(GroupConfigDefinitions.ShareRecordLockDurationMs),
            String(GroupConfigDefinitions.ShareAutoOffsetReset),
            String(GroupConfigDefinitions.ShareIsolationLevel),
            Int(GroupConfigDefinitions.StreamsSessionTimeoutMs),
            Int(GroupConfigDefinitions.StreamsHeartbeatIntervalMs),
            Int(GroupConfigDefinitions.StreamsNumStandbyReplicas),
            Int(GroupConfigDefinitions.StreamsInitialRebalanceDelayMs));
    }

    /// <summary>The broker's value of a group config: its <c>group.</c>-prefixed broker config, else Kafka's default.</summary>
    public static string? BrokerValue(BrokerConfig broker, GroupConfigDefinition definition) =>
        definition.BrokerSynonym is { } synonym && broker.Value(synonym) is { } value ? value : definition.Definition.DefaultValue;

    private static int EffectiveInt(BrokerConfig broker, IReadOnlyDictionary<string, string> overrides, GroupConfigDefinition definition)
    {
        if (!overrides.TryGetValue(definition.Name, out var raw))
        {
            return ParseInt(BrokerValue(broker, definition)!);
        }
        var value = ParseInt(raw);
        if (definition.MinConfig is { } min)
        {
            value = Math.Max(value, broker.GetInt(min));
        }
        if (definition.MaxConfig is { } max)
        {
            value = Math.Min(value, broker.GetInt(max));
        }
        return value;
    }

    private static int ParseInt(string value) => int.Parse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
