namespace KafkaCompat.Broker.Config;

/// <summary>
/// The warnings for configs that are set but not acted on (<see cref="ConfigDefinition.NotActedOnReason"/>):
/// at start-up for the broker's configs, and when CreateTopics, AlterConfigs or
/// IncrementalAlterConfigs set topic, dynamic broker or group configs. Kafka's responses have no place
/// for a warning, so the broker logs them.
/// </summary>
public static class ConfigsNotActedOn
{
    private const string ListenerOverrideReason = "per-listener overrides (listener.name.<listener>.<config>) are not applied";

    /// <summary>One warning per broker config among <paramref name="names"/> that is not acted on, in the order given.</summary>
    public static IEnumerable<string> ForBrokerConfigs(IEnumerable<string> names) =>
        Warnings(names, name => BrokerConfigDefinitions.IsListenerOverride(name) ? ListenerOverrideReason : BrokerConfigDefinitions.Find(name)?.NotActedOnReason);

    /// <summary>One warning per topic config among <paramref name="names"/> that is not acted on, in the order given.</summary>
    public static IEnumerable<string> ForTopicConfigs(IEnumerable<string> names) =>
        Warnings(names, name => TopicConfigDefinitions.Find(name)?.NotActedOnReason);

    /// <summary>One warning per group config among <paramref name="names"/> that is not acted on (share.* and streams.*), in the order given.</summary>
    public static IEnumerable<string> ForGroupConfigs(IEnumerable<string> names) =>
        Warnings(names, name => GroupConfigDefinitions.Find(name)?.NotActedOnReason);

    private static IEnumerable<string> Warnings(IEnumerable<string> names, Func<string, string?> notActedOnReason) =>
        names.Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Reason: notActedOnReason(name)))
            .Where(c => c.Reason is not null)
            .Select(c => Warning(c.Name, c.Reason!));

    private static string Warning(string name, string reason) => $"The configuration '{name}' is accepted but not acted on yet: {reason}.";
}
