namespace KafkaCompat.Broker.Config;

/// <summary>
/// Applies one IncrementalAlterConfigs operation to a resource's configs the way Kafka's
/// ConfigAdminManager.prepareIncrementalConfigs does: APPEND and SUBTRACT work on list configs only,
/// and start from the resource's current value, else the config's default.
/// </summary>
internal static class IncrementalConfigs
{
    /// <param name="props">The resource's configs, changed in place.</param>
    /// <param name="op">The operation.</param>
    /// <param name="definition">Type and default of a known config, null for an unknown one.</param>
    /// <returns>null, or the INVALID_CONFIG error.</returns>
    public static ConfigResult? Apply(Dictionary<string, string> props, AlterConfigOp op, Func<string, (ConfigType Type, string? Default)?> definition)
    {
        switch (op.Operation)
        {
            case ConfigOperation.Set when op.Value is not null:
                props[op.Name] = op.Value;
                return null;
            case ConfigOperation.Set:
            case ConfigOperation.Delete:
                props.Remove(op.Name);
                return null;
            case ConfigOperation.Append:
            case ConfigOperation.Subtract:
                var verb = op.Operation == ConfigOperation.Append ? "append" : "subtract";
                if (definition(op.Name) is not { Type: ConfigType.List } known)
                {
                    return ConfigResult.InvalidConfig($"Config value {verb} is not allowed for config key: {op.Name}");
                }
                var old = ConfigDefinition.ParseList(props.GetValueOrDefault(op.Name) ?? known.Default ?? "");
                var given = ConfigDefinition.ParseList(op.Value ?? "");
                var result = op.Operation == ConfigOperation.Append ? old.Concat(given).Distinct() : old.Where(v => !given.Contains(v));
                props[op.Name] = string.Join(",", result);
                return null;
            default:
                return ConfigResult.InvalidRequest($"Unknown config operation {(sbyte)op.Operation} for config key: {op.Name}");
        }
    }
}
