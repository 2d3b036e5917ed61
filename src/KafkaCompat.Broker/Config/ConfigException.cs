namespace KafkaCompat.Broker.Config;

/// <summary>
/// A configuration that cannot be used: startup stops with this message. The message names the
/// key and the value the way Kafka's ConfigException does ("Invalid value X for configuration Y: ...").
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string name, string? value, string? reason)
        : base(InvalidValueMessage(name, value, reason))
    {
        Name = name;
        Value = value;
    }

    /// <summary>The config key at fault, when there is one.</summary>
    public string? Name { get; }

    public string? Value { get; }

    public static string InvalidValueMessage(string name, string? value, string? reason) =>
        $"Invalid value {value ?? "null"} for configuration {name}" + (reason is null ? "" : ": " + reason);
}
