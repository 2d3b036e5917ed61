using System.Globalization;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// The per-topic log settings, named and defaulted as Kafka's topic configs. Build one from broker
/// defaults (<see cref="FromBrokerProperties"/>) and apply topic overrides on top (<see cref="With"/>).
/// </summary>
public sealed record LogConfig
{
    public const string SegmentBytesConfig = "segment.bytes";
    public const string SegmentMsConfig = "segment.ms";
    public const string SegmentJitterMsConfig = "segment.jitter.ms";
    public const string RetentionMsConfig = "retention.ms";
    public const string RetentionBytesConfig = "retention.bytes";
    public const string SegmentIndexBytesConfig = "segment.index.bytes";
    public const string IndexIntervalBytesConfig = "index.interval.bytes";
    public const string MaxMessageBytesConfig = "max.message.bytes";
    public const string FlushMessagesConfig = "flush.messages";
    public const string FlushMsConfig = "flush.ms";
    public const string CleanupPolicyConfig = "cleanup.policy";
    public const string MessageTimestampTypeConfig = "message.timestamp.type";
    public const string MessageTimestampBeforeMaxMsConfig = "message.timestamp.before.max.ms";
    public const string MessageTimestampAfterMaxMsConfig = "message.timestamp.after.max.ms";
    public const string CompressionTypeConfig = "compression.type";
    public const string DeleteRetentionMsConfig = "delete.retention.ms";
    public const string MinCleanableDirtyRatioConfig = "min.cleanable.dirty.ratio";
    public const string MinCompactionLagMsConfig = "min.compaction.lag.ms";
    public const string MaxCompactionLagMsConfig = "max.compaction.lag.ms";

    public static LogConfig Default { get; } = new();

    /// <summary>Kafka's broker settings that are the defaults of the topic settings (its "synonyms").</summary>
    private static readonly Dictionary<string, (string TopicName, long Multiplier)> _brokerSynonyms = new(StringComparer.Ordinal)
    {
        ["log.segment.bytes"] = (SegmentBytesConfig, 1),
        ["log.roll.hours"] = (SegmentMsConfig, 3_600_000),
        ["log.roll.ms"] = (SegmentMsConfig, 1),
        ["log.roll.jitter.hours"] = (SegmentJitterMsConfig, 3_600_000),
        ["log.roll.jitter.ms"] = (SegmentJitterMsConfig, 1),
        ["log.retention.hours"] = (RetentionMsConfig, 3_600_000),
        ["log.retention.minutes"] = (RetentionMsConfig, 60_000),
        ["log.retention.ms"] = (RetentionMsConfig, 1),
        ["log.retention.bytes"] = (RetentionBytesConfig, 1),
        ["log.index.size.max.bytes"] = (SegmentIndexBytesConfig, 1),
        ["log.index.interval.bytes"] = (IndexIntervalBytesConfig, 1),
        ["message.max.bytes"] = (MaxMessageBytesConfig, 1),
        ["log.flush.interval.messages"] = (FlushMessagesConfig, 1),
        ["log.flush.interval.ms"] = (FlushMsConfig, 1),
        ["log.cleanup.policy"] = (CleanupPolicyConfig, 1),
        ["log.message.timestamp.type"] = (MessageTimestampTypeConfig, 1),
        ["log.message.timestamp.before.max.ms"] = (MessageTimestampBeforeMaxMsConfig, 1),
        ["log.message.timestamp.after.max.ms"] = (MessageTimestampAfterMaxMsConfig, 1),
        ["compression.type"] = (CompressionTypeConfig, 1),
        ["log.cleaner.delete.retention.ms"] = (DeleteRetentionMsConfig, 1),
        ["log.cleaner.min.cleanable.ratio"] = (MinCleanableDirtyRatioConfig, 1),
        ["log.cleaner.min.compaction.lag.ms"] = (MinCompactionLagMsConfig, 1),
        ["log.cleaner.max.compaction.lag.ms"] = (MaxCompactionLagMsConfig, 1),
    };

    public int SegmentBytes { get; init; } = 1024 * 1024 * 1024;

    public long SegmentMs { get; init; } = 7 * 24 * 60 * 60 * 1000L;

    /// <summary>Kafka subtracts a random jitter up to this from segment.ms so segments do not all roll at once.</summary>
    public long SegmentJitterMs { get; init; }

    /// <summary>-1 keeps data forever.</summary>
    public long RetentionMs { get; init; } = 7 * 24 * 60 * 60 * 1000L;

    /// <summary>-1 means no size limit.</summary>
    public long RetentionBytes { get; init; } = -1;

    public int SegmentIndexBytes { get; init; } = 10 * 1024 * 1024;

    public int IndexIntervalBytes { get; init; } = 4096;

    public int MaxMessageBytes { get; init; } = 1024 * 1024 + 12;

    /// <summary>Long.MaxValue (the default) leaves flushing to the operating system.</summary>
    public long FlushMessages { get; init; } = long.MaxValue;

    public long FlushMs { get; init; } = long.MaxValue;

    /// <summary>"delete", "compact" or both.</summary>
    public IReadOnlyList<string> CleanupPolicy { get; init; } = ["delete"];

    public TimestampType MessageTimestampType { get; init; } = TimestampType.CreateTime;

    /// <summary>KIP-937: how far in the past a CreateTime record's timestamp may be (Long.MaxValue: any).</summary>
    public long MessageTimestampBeforeMaxMs { get; init; } = long.MaxValue;

    /// <summary>KIP-937: how far in the future a CreateTime record's timestamp may be; Kafka 4.0 lowered the default from Long.MaxValue to one hour.</summary>
    public long MessageTimestampAfterMaxMs { get; init; } = 3_600_000;

    /// <summary>The codec batches are stored with; null ("producer", the default) keeps each producer's codec.</summary>
    public CompressionType? Compression { get; init; }

    /// <summary>How long the log cleaner keeps a tombstone after it first cleaned it (KIP-534 delete horizon).</summary>
    public long DeleteRetentionMs { get; init; } = 86_400_000;

    /// <summary>The share of the cleanable part that must be dirty (not yet cleaned) before the cleaner takes the log.</summary>
    public double MinCleanableDirtyRatio { get; init; } = 0.5;

    /// <summary>Records younger than this (by their segment's largest timestamp) are not compacted yet.</summary>
    public long MinCompactionLagMs { get; init; }

    /// <summary>KIP-354: a record stays uncompacted at most this long, whatever the dirty ratio.</summary>
    public long MaxCompactionLagMs { get; init; } = long.MaxValue;

    /// <summary>
    /// How old the active segment may grow before it rolls: segment.ms, or max.compaction.lag.ms when
    /// that is smaller on a compacted topic, since the cleaner never touches the active segment (KIP-354).
    /// </summary>
    public long MaxSegmentMs => CompactEnabled ? Math.Min(SegmentMs, MaxCompactionLagMs) : SegmentMs;

    public bool DeleteEnabled => CleanupPolicy.Contains("delete");

    public bool CompactEnabled => CleanupPolicy.Contains("compact");

    /// <summary>Builds the defaults from broker properties (server.properties names such as log.retention.hours).</summary>
    /// <exception cref="ArgumentException">A value is not valid.</exception>
    public static LogConfig FromBrokerProperties(IReadOnlyDictionary<string, string> brokerProperties)
    {
        var topicNamed = new Dictionary<string, string>(StringComparer.Ordinal);
        // Kafka gives the finer unit precedence (log.retention.ms over .minutes over .hours): apply coarse first.
        foreach ((string name, (string topicName, long multiplier)) in _brokerSynonyms.OrderByDescending(s => s.Value.Multiplier))
        {
            if (brokerProperties.TryGetValue(name, out string? value))
            {
                topicNamed[topicName] = multiplier == 1 ? value : (ParseLong(name, value) * multiplier).ToString(CultureInfo.InvariantCulture);
            }
        }

        return Default.With(topicNamed);
    }

    /// <summary>Returns a copy with the given topic configs (Kafka names) applied; unknown names are ignored.</summary>
    /// <exception cref="ArgumentException">A value is not valid.</exception>
    public LogConfig With(IReadOnlyDictionary<string, string> overrides)
    {
        LogConfig config = this;
        foreach ((string name, string value) in overrides)
        {
            config = name switch
            {
                SegmentBytesConfig => config with { SegmentBytes = (int)ParseLong(name, value, min: 14, max: int.MaxValue) },
                SegmentMsConfig => config with { SegmentMs = ParseLong(name, value, min: 1) },
                SegmentJitterMsConfig => config with { SegmentJitterMs = ParseLong(name, value, min: 0) },
                RetentionMsConfig => config with { RetentionMs = ParseLong(name, value, min: -1) },
                RetentionBytesConfig => config with { RetentionBytes = ParseLong(name, value) },
                SegmentIndexBytesConfig => config with { SegmentIndexBytes = (int)ParseLong(name, value, min: 4, max: int.MaxValue) },
                IndexIntervalBytesConfig => config with { IndexIntervalBytes = (int)ParseLong(name, value, min: 0, max: int.MaxValue) },
                MaxMessageBytesConfig => config with { MaxMessageBytes = (int)ParseLong(name, value, min: 0, max: int.MaxValue) },
                FlushMessagesConfig => config with { FlushMessages = ParseLong(name, value, min: 1) },
                FlushMsConfig => config with { FlushMs = ParseLong(name, value, min: 0) },
                CleanupPolicyConfig => config with { CleanupPolicy = ParseCleanupPolicy(value) },
                MessageTimestampTypeConfig => config with { MessageTimestampType = ParseTimestampType(value) },
                MessageTimestampBeforeMaxMsConfig => config with { MessageTimestampBeforeMaxMs = ParseLong(name, value, min: 0) },
                MessageTimestampAfterMaxMsConfig => config with { MessageTimestampAfterMaxMs = ParseLong(name, value, min: 0) },
                CompressionTypeConfig => config with { Compression = ParseCompression(value) },
                DeleteRetentionMsConfig => config with { DeleteRetentionMs = ParseLong(name, value, min: 0) },
                MinCleanableDirtyRatioConfig => config with { MinCleanableDirtyRatio = ParseRatio(name, value) },
                MinCompactionLagMsConfig => config with { MinCompactionLagMs = ParseLong(name, value, min: 0) },
                MaxCompactionLagMsConfig => config with { MaxCompactionLagMs = ParseLong(name, value, min: 1) },
                _ => config,
            };
        }

        return config;
    }

    private static long ParseLong(string name, string value, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed) || parsed < min || parsed > max)
        {
            throw new ArgumentException($"Invalid value {value} for configuration {name}: expected an integer in [{min}, {max}].");
        }

        return parsed;
    }

    private static CompressionType? ParseCompression(string value) => value.Trim() switch
    {
        "producer" => null,
        "uncompressed" => CompressionType.None,
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "lz4" => CompressionType.Lz4,
        "zstd" => CompressionType.Zstd,
        _ => throw new ArgumentException($"Invalid value {value} for configuration {CompressionTypeConfig}: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer."),
    };

    private static double ParseRatio(string name, string value)
    {
        if (!double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || parsed is < 0 or > 1)
        {
            throw new ArgumentException($"Invalid value {value} for configuration {name}: expected a number in [0, 1].");
        }

        return parsed;
    }

    private static string[] ParseCleanupPolicy(string value)
    {
        string[] policies = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (string policy in policies)
        {
            if (policy is not ("delete" or "compact"))
            {
                throw new ArgumentException($"Invalid value {value} for configuration {CleanupPolicyConfig}: String must be one of: compact, delete.");
            }
        }

        return policies;
    }

    private static TimestampType ParseTimestampType(string value) => value.Trim() switch
    {
        "CreateTime" => TimestampType.CreateTime,
        "LogAppendTime" => TimestampType.LogAppendTime,
        _ => throw new ArgumentException($"Invalid value {value} for configuration {MessageTimestampTypeConfig}: String must be one of: CreateTime, LogAppendTime."),
    };
}
