using System.Collections.Immutable;
using System.Globalization;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Validates topic config overrides for CreateTopics, AlterConfigs and IncrementalAlterConfigs with
/// Kafka's errors (LogConfig.validate): INVALID_CONFIG with "Unknown topic config name: x",
/// "Invalid value v for configuration x: ..." or "Null value not supported for topic configs: x".
/// </summary>
public static class TopicConfigValidator
{
    /// <summary>Checks a complete set of overrides (CreateTopics' configs, or the result of an alter).</summary>
    public static ConfigResult Validate(IReadOnlyDictionary<string, string?> overrides)
    {
        var nulls = overrides.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList();
        if (nulls.Count > 0)
        {
            return ConfigResult.InvalidConfig("Null value not supported for topic configs: " + string.Join(",", nulls));
        }
        foreach (var (name, value) in overrides)
        {
            if (TopicConfigDefinitions.Find(name) is not { } definition)
            {
                return ConfigResult.InvalidConfig($"Unknown topic config name: {name}");
            }
            if (definition.AsDefinition.Problem(value) is { } problem)
            {
                return ConfigResult.InvalidConfig(problem);
            }
        }
        return ValidateCombination(overrides);
    }

    /// <summary>IncrementalAlterConfigs on a TOPIC resource: the new overrides and the changes to record.</summary>
    public static ConfigAlterResult<ImmutableDictionary<string, string>> IncrementalAlter(
        IReadOnlyDictionary<string, string> currentOverrides, IReadOnlyList<AlterConfigOp> ops)
    {
        if (ops.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != ops.Count)
        {
            return ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(ConfigResult.InvalidRequest("Error due to duplicate config keys"));
        }
        var props = new Dictionary<string, string>(currentOverrides, StringComparer.Ordinal);
        foreach (var op in ops)
        {
            if (op.Operation != ConfigOperation.Delete && TopicConfigDefinitions.Find(op.Name) is null)
            {
                return ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(ConfigResult.InvalidConfig($"Unknown topic config name: {op.Name}"));
            }
            var error = IncrementalConfigs.Apply(props, op, name => TopicConfigDefinitions.Find(name) is { } d ? (d.Type, d.KafkaDefault) : null);
            if (error is not null)
            {
                return ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(error);
            }
        }
        return Result(currentOverrides, props);
    }

    /// <summary>The legacy AlterConfigs on a TOPIC resource: the given set replaces every override.</summary>
    public static ConfigAlterResult<ImmutableDictionary<string, string>> Alter(
        IReadOnlyDictionary<string, string> currentOverrides, IReadOnlyDictionary<string, string?> configs)
    {
        var check = Validate(configs);
        return check.IsOk
            ? Result(currentOverrides, configs.ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal))
            : ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(check);
    }

    private static ConfigAlterResult<ImmutableDictionary<string, string>> Result(IReadOnlyDictionary<string, string> before, Dictionary<string, string> after)
    {
        var check = Validate(after.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal));
        if (!check.IsOk)
        {
            return ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(check);
        }
        return new ConfigAlterResult<ImmutableDictionary<string, string>>(ConfigResult.Ok, ConfigChange.Between(before, after), after.ToImmutableDictionary(StringComparer.Ordinal));
    }

    /// <summary>Checks between configs that Kafka's LogConfig.validate makes.</summary>
    private static ConfigResult ValidateCombination(IReadOnlyDictionary<string, string?> overrides)
    {
        if (overrides.TryGetValue(TopicConfigDefinitions.MinCompactionLagMs, out var min) && min is not null
            && overrides.TryGetValue(TopicConfigDefinitions.MaxCompactionLagMs, out var max) && max is not null)
        {
            var minLag = long.Parse(min.Trim(), CultureInfo.InvariantCulture);
            var maxLag = long.Parse(max.Trim(), CultureInfo.InvariantCulture);
            if (minLag > maxLag)
            {
                return ConfigResult.InvalidConfig($"conflict topic config setting {TopicConfigDefinitions.MinCompactionLagMs} ({minLag}) > {TopicConfigDefinitions.MaxCompactionLagMs} ({maxLag})");
            }
        }
        return ConfigResult.Ok;
    }
}
