namespace KafkaCompat.Broker.Config;

/// <summary>IncrementalAlterConfigs' ConfigOperation, with its wire ids.</summary>
public enum ConfigOperation : sbyte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}

/// <summary>One entry of an IncrementalAlterConfigs resource.</summary>
public sealed record AlterConfigOp(string Name, ConfigOperation Operation, string? Value);
