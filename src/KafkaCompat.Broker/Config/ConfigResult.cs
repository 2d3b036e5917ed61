using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Config;

/// <summary>The outcome of validating user input: Kafka's error code and message, never an exception.</summary>
public sealed record ConfigResult(ErrorCode Error, string? Message)
{
    public static ConfigResult Ok { get; } = new(ErrorCode.None, null);

    public bool IsOk => Error == ErrorCode.None;

    public static ConfigResult InvalidConfig(string message) => new(ErrorCode.InvalidConfig, message);

    public static ConfigResult InvalidRequest(string message) => new(ErrorCode.InvalidRequest, message);
}
