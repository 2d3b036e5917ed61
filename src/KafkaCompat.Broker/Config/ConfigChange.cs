namespace KafkaCompat.Broker.Config;

/// <summary>One key of a resource set to a value, or removed (null): what a ConfigRecord carries.</summary>
public sealed record ConfigChange(string Name, string? Value)
{
    /// <summary>The changes that turn <paramref name="before"/> into <paramref name="after"/>, by name: what the ConfigRecords of an alter carry.</summary>
    public static IReadOnlyList<ConfigChange> Between(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        [.. after.Where(kv => !before.TryGetValue(kv.Key, out var old) || old != kv.Value)
            .Select(kv => new ConfigChange(kv.Key, kv.Value))
            .Concat(before.Keys.Where(k => !after.ContainsKey(k)).Select(k => new ConfigChange(k, null)))
            .OrderBy(c => c.Name, StringComparer.Ordinal)];
}

/// <summary>
/// The result of an AlterConfigs / IncrementalAlterConfigs on one resource: an error, or the changes
/// to record and the resulting configs. Nothing is applied here: with validateOnly the caller just
/// drops the result.
/// </summary>
public sealed record ConfigAlterResult<T>(ConfigResult Result, IReadOnlyList<ConfigChange> Changes, T? Updated)
    where T : class
{
    public static ConfigAlterResult<T> Failed(ConfigResult result) => new(result, [], null);
}
