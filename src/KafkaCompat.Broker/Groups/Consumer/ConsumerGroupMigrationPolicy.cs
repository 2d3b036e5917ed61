namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// Kafka's <c>group.consumer.migration.policy</c> (KIP-848 online migration): whether a classic group
/// may become a consumer group when a member joins it with ConsumerGroupHeartbeat (upgrade), and a
/// consumer group a classic one when its last member of the new protocol leaves (downgrade).
/// </summary>
public enum ConsumerGroupMigrationPolicy
{
    Disabled,
    Downgrade,
    Upgrade,
    Bidirectional,
}

public static class ConsumerGroupMigrationPolicies
{
    /// <summary>The config's values, as Kafka spells them (it compares them case-insensitively).</summary>
    public static readonly string[] Names = ["disabled", "downgrade", "upgrade", "bidirectional"];

    public static ConsumerGroupMigrationPolicy Parse(string value) =>
        Enum.TryParse<ConsumerGroupMigrationPolicy>(value, ignoreCase: true, out var policy) ? policy : ConsumerGroupMigrationPolicy.Bidirectional;

    public static bool IsUpgradeEnabled(this ConsumerGroupMigrationPolicy policy) => policy is ConsumerGroupMigrationPolicy.Upgrade or ConsumerGroupMigrationPolicy.Bidirectional;

    public static bool IsDowngradeEnabled(this ConsumerGroupMigrationPolicy policy) => policy is ConsumerGroupMigrationPolicy.Downgrade or ConsumerGroupMigrationPolicy.Bidirectional;
}
