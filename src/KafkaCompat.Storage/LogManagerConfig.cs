namespace KafkaCompat.Storage;

/// <summary>Broker-wide settings of the log manager, with Kafka's names and defaults.</summary>
public sealed record LogManagerConfig
{
    /// <summary>log.dirs (one is enough today; the API keeps Kafka's list shape).</summary>
    public required IReadOnlyList<string> LogDirs { get; init; }

    /// <summary>node.id, checked against meta.properties.</summary>
    public required int NodeId { get; init; }

    public required string ClusterId { get; init; }

    /// <summary>The topic config defaults (from the broker's log.* properties).</summary>
    public LogConfig DefaultConfig { get; init; } = LogConfig.Default;

    /// <summary>log.retention.check.interval.ms</summary>
    public long RetentionCheckIntervalMs { get; init; } = 300_000;

    /// <summary>log.flush.scheduler.interval.ms: how often flush.ms is checked; Long.MaxValue (Kafka's default) never.</summary>
    public long FlushSchedulerIntervalMs { get; init; } = long.MaxValue;

    /// <summary>producer.id.expiration.ms</summary>
    public long ProducerIdExpirationMs { get; init; } = 86_400_000;

    /// <summary>num.recovery.threads.per.data.dir: logs opened (and recovered) in parallel per log dir at start.</summary>
    public int RecoveryThreadsPerDataDir { get; init; } = 1;

    /// <summary>The log.cleaner.* settings: compaction of logs whose cleanup.policy includes compact.</summary>
    public CleanerConfig Cleaner { get; init; } = new();

    /// <summary>producer.id.expiration.check.interval.ms</summary>
    public long ProducerIdExpirationCheckIntervalMs { get; init; } = 600_000;
}
