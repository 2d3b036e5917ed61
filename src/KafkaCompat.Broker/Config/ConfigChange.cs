namespace KafkaCompat.Broker.Config;

/// <summary>One key of a resource set to a value, or removed (null): what a ConfigRecord carries.</summary>
public sealed record ConfigChange(string Name, string? Value);

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
