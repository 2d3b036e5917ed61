using System.Collections.Immutable;
using System.Globalization;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Validates a group's dynamic configs as Kafka's controller does for a GROUP resource
/// (GroupConfig.validate, run on the group's whole set after the change): INVALID_CONFIG with
/// "Unknown group config name: x", "Invalid value v for configuration x: ...", "Null value not
/// supported for group configs: x", a bound ("consumer.session.timeout.ms must be less than or
/// equal to group.consumer.max.session.timeout.ms") or a session timeout not above its heartbeat
/// interval ("consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms").
/// The session/heartbeat pairs are checked on the group's values merged with the broker's, so a
/// session timeout set alone must still outlast the broker's heartbeat interval.
/// </summary>
public static class GroupConfigValidator
{
    /// <summary>Checks a complete set of group overrides (the result of an alter).</summary>
    public static ConfigResult Validate(IReadOnlyDictionary<string, string?> overrides, BrokerConfig broker)
    {
        var nulls = overrides.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList();
        if (nulls.Count > 0)
        {
            return ConfigResult.InvalidConfig("Null value not supported for group configs: " + string.Join(",", nulls));
        }
        if (overrides.Keys.FirstOrDefault(name => GroupConfigDefinitions.Find(name) is null) is { } unknown)
        {
            return ConfigResult.InvalidConfig($"Unknown group config name: {unknown}");
        }
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var definition in GroupConfigDefinitions.All)
        {
            var raw = overrides.TryGetValue(definition.Name, out var set) ? set : GroupConfig.BrokerValue(broker, definition);
            if (definition.Definition.Problem(raw) is { } problem)
            {
                return ConfigResult.InvalidConfig(problem);
            }
            if (definition.Type == ConfigType.Int)
            {
                values[definition.Name] = int.Parse(raw!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            }
        }
        // Kafka checks the merged values, whose broker part its start-up has already checked
        // against the same bounds; this broker starts without that check (tests run with short
        // session timeouts), so only the group's own values are held to the bounds here.
        foreach (var definition in GroupConfigDefinitions.All.Where(d => d.Type == ConfigType.Int && overrides.ContainsKey(d.Name)))
        {
            var value = values[definition.Name];
            if (definition.MinConfig is { } min && value < broker.GetInt(min))
            {
                return ConfigResult.InvalidConfig($"{definition.Name} must be greater than or equal to {min}");
            }
            if (definition.MaxConfig is { } max && value > broker.GetInt(max))
            {
                return ConfigResult.InvalidConfig($"{definition.Name} must be less than or equal to {max}");
            }
        }
        foreach (var (session, heartbeat) in GroupConfigDefinitions.SessionAndHeartbeat)
        {
            if (values[session] <= values[heartbeat])
            {
                return ConfigResult.InvalidConfig($"{session} must be greater than {heartbeat}");
            }
        }
        return ConfigResult.Ok;
    }

    /// <summary>IncrementalAlterConfigs on a GROUP resource: the new overrides and the changes to record.</summary>
    public static ConfigAlterResult<ImmutableDictionary<string, string>> IncrementalAlter(
        IReadOnlyDictionary<string, string> currentOverrides, IReadOnlyList<AlterConfigOp> ops, BrokerConfig broker)
    {
        if (ops.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != ops.Count)
        {
            return ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(ConfigResult.InvalidRequest("Error due to duplicate config keys"));
        }
        var props = new Dictionary<string, string>(currentOverrides, StringComparer.Ordinal);
        foreach (var op in ops)
        {
            var error = IncrementalConfigs.Apply(props, op, name => GroupConfigDefinitions.Find(name) is { } d ? (d.Type, d.Definition.DefaultValue) : null);
            if (error is not null)
            {
                return ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(error);
            }
        }
        return Result(currentOverrides, props, broker);
    }

    /// <summary>The legacy AlterConfigs on a GROUP resource: the given set replaces every dynamic config of the group.</summary>
    public static ConfigAlterResult<ImmutableDictionary<string, string>> Alter(
        IReadOnlyDictionary<string, string> currentOverrides, IReadOnlyDictionary<string, string?> configs, BrokerConfig broker)
    {
        var check = Validate(configs, broker);
        return check.IsOk
            ? Result(currentOverrides, configs.ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal), broker)
            : ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(check);
    }

    private static ConfigAlterResult<ImmutableDictionary<string, string>> Result(IReadOnlyDictionary<string, string> before, Dictionary<string, string> after, BrokerConfig broker)
    {
        var check = Validate(after.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal), broker);
        return check.IsOk
            ? new ConfigAlterResult<ImmutableDictionary<string, string>>(ConfigResult.Ok, ConfigChange.Between(before, after), after.ToImmutableDictionary(StringComparer.Ordinal))
            : ConfigAlterResult<ImmutableDictionary<string, string>>.Failed(check);
    }
}
