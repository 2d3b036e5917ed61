using System.Text.RegularExpressions;
using static KafkaCompat.Broker.Config.ConfigValidator;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Kafka 4.2's group configs: what IncrementalAlterConfigs and AlterConfigs accept on a GROUP
/// resource (ConfigResource type 32) and DescribeConfigs lists for one. The consumer.* ones are
/// KIP-848's, share.* KIP-932's and streams.* KIP-1071's. Each takes its default from the broker
/// config of the same name with the <c>group.</c> prefix, and must lie within that config's
/// min/max broker configs.
/// </summary>
public static partial class GroupConfigDefinitions
{
    public const string ConsumerSessionTimeoutMs = "consumer.session.timeout.ms";
    public const string ConsumerHeartbeatIntervalMs = "consumer.heartbeat.interval.ms";
    public const string ShareSessionTimeoutMs = "share.session.timeout.ms";
    public const string ShareHeartbeatIntervalMs = "share.heartbeat.interval.ms";
    public const string ShareRecordLockDurationMs = "share.record.lock.duration.ms";
    public const string ShareAutoOffsetReset = "share.auto.offset.reset";
    public const string ShareIsolationLevel = "share.isolation.level";
    public const string StreamsSessionTimeoutMs = "streams.session.timeout.ms";
    public const string StreamsHeartbeatIntervalMs = "streams.heartbeat.interval.ms";
    public const string StreamsNumStandbyReplicas = "streams.num.standby.replicas";
    public const string StreamsInitialRebalanceDelayMs = "streams.initial.rebalance.delay.ms";

    /// <summary>The broker config names of a group config take this prefix (GroupCoordinatorConfig.GROUP_PREFIX).</summary>
    public const string BrokerPrefix = "group.";

    // Declared before All: static initialisers run in text order.
    private static readonly ConfigValidator _autoOffsetReset = Custom(value => IsAutoOffsetReset((string)value)
        ? null
        : $"Invalid value `{value}` for configuration {ShareAutoOffsetReset}. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.");

    /// <summary>In the order Kafka checks their bounds (each heartbeat interval before its session timeout).</summary>
    public static IReadOnlyList<GroupConfigDefinition> All { get; } =
    [
        Bounded(ConsumerHeartbeatIntervalMs, "5000", "group.consumer.min.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms"),
        Bounded(ConsumerSessionTimeoutMs, "45000", "group.consumer.min.session.timeout.ms", "group.consumer.max.session.timeout.ms"),
        Bounded(ShareHeartbeatIntervalMs, "5000", "group.share.min.heartbeat.interval.ms", "group.share.max.heartbeat.interval.ms"),
        Bounded(ShareSessionTimeoutMs, "45000", "group.share.min.session.timeout.ms", "group.share.max.session.timeout.ms"),
        Bounded(ShareRecordLockDurationMs, "30000", "group.share.min.record.lock.duration.ms", "group.share.max.record.lock.duration.ms", atLeast: 1000) with { NotActedOnReason = NotActedOnReasons.NoShareGroups },
        new(new ConfigDefinition(ShareAutoOffsetReset, ConfigType.String, "latest", Validator: _autoOffsetReset), null, null, null) { NotActedOnReason = NotActedOnReasons.NoShareGroups },
        new(new ConfigDefinition(ShareIsolationLevel, ConfigType.String, "read_uncommitted", Validator: ValidString("read_committed", "read_uncommitted")), null, null, null) { NotActedOnReason = NotActedOnReasons.NoShareGroups },
        Bounded(StreamsHeartbeatIntervalMs, "5000", "group.streams.min.heartbeat.interval.ms", "group.streams.max.heartbeat.interval.ms") with { NotActedOnReason = NotActedOnReasons.NoStreamsGroups },
        Bounded(StreamsSessionTimeoutMs, "45000", "group.streams.min.session.timeout.ms", "group.streams.max.session.timeout.ms") with { NotActedOnReason = NotActedOnReasons.NoStreamsGroups },
        Bounded(StreamsNumStandbyReplicas, "0", null, "group.streams.max.standby.replicas", atLeast: 0) with { NotActedOnReason = NotActedOnReasons.NoStreamsGroups },
        Bounded(StreamsInitialRebalanceDelayMs, "3000", null, null, atLeast: 0) with { NotActedOnReason = NotActedOnReasons.NoStreamsGroups },
    ];

    /// <summary>
    /// The session timeout and heartbeat interval pairs: a group's session must outlast its
    /// heartbeat interval, or a member would expire between two heartbeats.
    /// </summary>
    public static IReadOnlyList<(string Session, string Heartbeat)> SessionAndHeartbeat { get; } =
    [
        (ConsumerSessionTimeoutMs, ConsumerHeartbeatIntervalMs),
        (ShareSessionTimeoutMs, ShareHeartbeatIntervalMs),
        (StreamsSessionTimeoutMs, StreamsHeartbeatIntervalMs),
    ];

    private static readonly Dictionary<string, GroupConfigDefinition> _byName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static GroupConfigDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// An int group config whose broker synonym is <c>group.</c> + its name; <paramref name="kafkaDefault"/>
    /// is Kafka's own default (GroupConfig's ConfigDef), used only when the broker config is unknown.
    /// </summary>
    private static GroupConfigDefinition Bounded(string name, string kafkaDefault, string? min, string? max, int atLeast = 1) =>
        new(new ConfigDefinition(name, ConfigType.Int, kafkaDefault, Validator: AtLeast(atLeast)), BrokerPrefix + name, min, max);

    /// <summary>
    /// KIP-932's share.auto.offset.reset: latest, earliest, or by_duration: with a non-negative
    /// ISO-8601 duration (days, hours, minutes, seconds), as Java's Duration.parse reads it.
    /// </summary>
    private static bool IsAutoOffsetReset(string value)
    {
        var lower = value.ToLowerInvariant();
        if (lower is "latest" or "earliest")
        {
            return true;
        }
        const string prefix = "by_duration:";
        return lower.StartsWith(prefix, StringComparison.Ordinal) && IsoDuration().IsMatch(value[prefix.Length..].Trim());
    }

    [GeneratedRegex(@"^\+?P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,9})?S)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IsoDuration();
}
