using System.Globalization;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// AlterConfigs and IncrementalAlterConfigs on a BROKER resource, with Kafka's rules
/// (DynamicBrokerConfig.validateConfigs, ConfigAdminManager): the empty name is the cluster default,
/// otherwise the name must be this node's id; read-only configs are refused; per-broker configs
/// cannot be cluster defaults; security configs need a listener prefix. Refusals are INVALID_REQUEST
/// "Invalid config value for resource ...", as Kafka wraps its ConfigException.
/// </summary>
public static class DynamicBrokerConfigUpdater
{
    private static readonly string[] _listenerConfigs =
        [BrokerConfigDefinitions.Listeners, BrokerConfigDefinitions.AdvertisedListeners, BrokerConfigDefinitions.ListenerSecurityProtocolMap];

    /// <summary>IncrementalAlterConfigs: SET / DELETE any config, APPEND / SUBTRACT list configs.</summary>
    public static ConfigAlterResult<BrokerConfig> IncrementalAlter(BrokerConfig config, string resourceName, IReadOnlyList<AlterConfigOp> ops)
    {
        if (!TryScope(config, resourceName, out var perBroker, out var scopeError))
        {
            return ConfigAlterResult<BrokerConfig>.Failed(scopeError);
        }
        if (ops.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != ops.Count)
        {
            return ConfigAlterResult<BrokerConfig>.Failed(ConfigResult.InvalidRequest("Error due to duplicate config keys"));
        }
        var current = perBroker ? config.DynamicBrokerConfigs : config.DynamicDefaultConfigs;
        var props = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var op in ops)
        {
            var error = IncrementalConfigs.Apply(props, op, name => BrokerConfigDefinitions.Find(name) is { } d ? (d.Type, d.DefaultValue) : null);
            if (error is not null)
            {
                return ConfigAlterResult<BrokerConfig>.Failed(error);
            }
        }
        return Validate(config, resourceName, perBroker, props);
    }

    /// <summary>The legacy AlterConfigs: the given set replaces the resource's dynamic configs entirely.</summary>
    public static ConfigAlterResult<BrokerConfig> Alter(BrokerConfig config, string resourceName, IReadOnlyDictionary<string, string?> configs)
    {
        if (!TryScope(config, resourceName, out var perBroker, out var scopeError))
        {
            return ConfigAlterResult<BrokerConfig>.Failed(scopeError);
        }
        var props = configs.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
        return Validate(config, resourceName, perBroker, props);
    }

    private static bool TryScope(BrokerConfig config, string resourceName, out bool perBroker, out ConfigResult error)
    {
        perBroker = resourceName.Length > 0;
        error = ConfigResult.Ok;
        if (perBroker && resourceName != config.NodeId.ToString(CultureInfo.InvariantCulture))
        {
            error = ConfigResult.InvalidRequest($"Unexpected broker id, expected {config.NodeId} or empty string, but received {resourceName}");
            return false;
        }
        return true;
    }

    private static ConfigAlterResult<BrokerConfig> Validate(BrokerConfig config, string resourceName, bool perBroker, Dictionary<string, string> props)
    {
        var invalid = $"Invalid config value for resource ConfigResource(type=BROKER, name='{resourceName}'): ";

        string? Check(IEnumerable<string> names, string message)
        {
            var list = names.Order(StringComparer.Ordinal).ToList();
            return list.Count == 0 ? null : $"{invalid}{message}: Set({string.Join(", ", list)})";
        }

        var problem =
            Check(props.Keys.Where(n => BrokerConfigDefinitions.Find(n) is { IsDynamic: false }), "Cannot update these configs dynamically")
            ?? Check(props.Keys.Where(n => BrokerConfigDefinitions.Find(n) is { IsDynamic: true } && (n.StartsWith("ssl.", StringComparison.Ordinal) || n.StartsWith("sasl.", StringComparison.Ordinal))),
                "These security configs can be dynamically updated only per-listener using the listener prefix")
            ?? (perBroker ? null : Check(props.Keys.Where(n => BrokerConfigDefinitions.Find(n) is { UpdateMode: ConfigUpdateMode.PerBroker } || BrokerConfigDefinitions.IsListenerOverride(n)),
                "Cannot update these configs at default cluster level, broker id must be specified"));
        if (problem is not null)
        {
            return ConfigAlterResult<BrokerConfig>.Failed(ConfigResult.InvalidRequest(problem));
        }

        BrokerConfig updated;
        try
        {
            updated = perBroker
                ? config.WithDynamicConfigs(config.DynamicDefaultConfigs, props)
                : config.WithDynamicConfigs(props, config.DynamicBrokerConfigs);
        }
        catch (ConfigException e)
        {
            return ConfigAlterResult<BrokerConfig>.Failed(ConfigResult.InvalidRequest(invalid + e.Message));
        }

        // KafkaCompat, like Kafka in KRaft mode, cannot rebind its sockets at runtime.
        if (_listenerConfigs.Any(n => config.Value(n) != updated.Value(n)))
        {
            return ConfigAlterResult<BrokerConfig>.Failed(ConfigResult.InvalidRequest(
                invalid + "Dynamic reconfiguration of listeners is not yet supported when using a Raft-based metadata quorum"));
        }

        var before = perBroker ? config.DynamicBrokerConfigs : config.DynamicDefaultConfigs;
        var changes = props.Where(kv => !before.TryGetValue(kv.Key, out var old) || old != kv.Value)
            .Select(kv => new ConfigChange(kv.Key, kv.Value))
            .Concat(before.Keys.Where(k => !props.ContainsKey(k)).Select(k => new ConfigChange(k, null)))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        return new ConfigAlterResult<BrokerConfig>(ConfigResult.Ok, changes, updated);
    }
}
