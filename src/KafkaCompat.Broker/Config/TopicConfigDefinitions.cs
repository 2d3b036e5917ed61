using System.Text.RegularExpressions;
using static KafkaCompat.Broker.Config.ConfigValidator;
using static KafkaCompat.Broker.Config.NotActedOnReasons;

namespace KafkaCompat.Broker.Config;

/// <summary>
/// Kafka's topic configs (TopicConfig / LogConfig, 3.9) with the broker configs that default them.
/// Kafka 4.0 removed message.format.version, message.downconversion.enable and
/// message.timestamp.difference.max.ms; KafkaCompat keeps them because it serves the old protocol versions.
/// A config the log does not act on yet says so and why (<see cref="TopicConfigDefinition.NotActedOn"/>);
/// the compaction configs count as acted on, their cleaner being built in the same issue.
/// </summary>
public static partial class TopicConfigDefinitions
{
    public const string CleanupPolicy = "cleanup.policy";
    public const string MessageDownConversionEnable = "message.downconversion.enable";
    public const string RetentionMs = "retention.ms";
    public const string MinCompactionLagMs = "min.compaction.lag.ms";
    public const string MaxCompactionLagMs = "max.compaction.lag.ms";

    private const long HourMs = 3_600_000;
    private const long MinuteMs = 60_000;

    private static readonly ConfigValidator _throttledReplicas = Custom(value =>
    {
        var items = (IReadOnlyList<string>)value;
        var ok = items is ["*"] || items.All(i => ReplicaPattern().IsMatch(i));
        return ok ? null : "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
    });

    private static readonly ConfigValidator _gzipLevel = Custom(value =>
        (int)value is -1 or (>= 1 and <= 9) ? null : "Value must be between 1 and 9, or equal to -1");

    public static IReadOnlyList<TopicConfigDefinition> All { get; } =
    [
        Def(CleanupPolicy, ConfigType.List, ValidList("compact", "delete"), "log.cleanup.policy"),
        Def("compression.type", ConfigType.String, ValidString("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), "compression.type"),
        Def("compression.gzip.level", ConfigType.Int, _gzipLevel, "compression.gzip.level").NotActedOn(CompressionLevel),
        Def("compression.lz4.level", ConfigType.Int, Between(1, 17), "compression.lz4.level").NotActedOn(CompressionLevel),
        Def("compression.zstd.level", ConfigType.Int, Between(-131072, 22), "compression.zstd.level").NotActedOn(CompressionLevel),
        Def("delete.retention.ms", ConfigType.Long, AtLeast(0), "log.cleaner.delete.retention.ms"),
        Def("file.delete.delay.ms", ConfigType.Long, AtLeast(0), "log.segment.delete.delay.ms").NotActedOn(ImmediateDelete),
        Def("flush.messages", ConfigType.Long, AtLeast(1), "log.flush.interval.messages"),
        new("flush.ms", ConfigType.Long, AtLeast(0), [new("log.flush.interval.ms"), new("log.flush.scheduler.interval.ms")]),
        new TopicConfigDefinition("follower.replication.throttled.replicas", ConfigType.List, _throttledReplicas, [], "").NotActedOn(SingleNode),
        Def("index.interval.bytes", ConfigType.Int, AtLeast(0), "log.index.interval.bytes"),
        new TopicConfigDefinition("leader.replication.throttled.replicas", ConfigType.List, _throttledReplicas, [], "").NotActedOn(SingleNode),
        Def("local.retention.bytes", ConfigType.Long, AtLeast(-2), "log.local.retention.bytes").NotActedOn(NoTieredStorage),
        Def("local.retention.ms", ConfigType.Long, AtLeast(-2), "log.local.retention.ms").NotActedOn(NoTieredStorage),
        Def(MaxCompactionLagMs, ConfigType.Long, AtLeast(1), "log.cleaner.max.compaction.lag.ms"),
        Def("max.message.bytes", ConfigType.Int, AtLeast(0), "message.max.bytes"),
        Def(MessageDownConversionEnable, ConfigType.Boolean, null, "log.message.downconversion.enable"),
        Def("message.format.version", ConfigType.String, null, "log.message.format.version").NotActedOn(LogIsAlwaysV2),
        Def("message.timestamp.after.max.ms", ConfigType.Long, AtLeast(0), "log.message.timestamp.after.max.ms"),
        Def("message.timestamp.before.max.ms", ConfigType.Long, AtLeast(0), "log.message.timestamp.before.max.ms"),
        Def("message.timestamp.difference.max.ms", ConfigType.Long, AtLeast(0), "log.message.timestamp.difference.max.ms").NotActedOn(NoTimestampChecks),
        Def("message.timestamp.type", ConfigType.String, ValidString("CreateTime", "LogAppendTime"), "log.message.timestamp.type"),
        Def("min.cleanable.dirty.ratio", ConfigType.Double, Between(0, 1), "log.cleaner.min.cleanable.ratio"),
        Def(MinCompactionLagMs, ConfigType.Long, AtLeast(0), "log.cleaner.min.compaction.lag.ms"),
        Def("min.insync.replicas", ConfigType.Int, AtLeast(1), "min.insync.replicas").NotActedOn(NoMinIsr),
        Def("preallocate", ConfigType.Boolean, null, "log.preallocate").NotActedOn("segment files are not preallocated"),
        new TopicConfigDefinition("remote.storage.enable", ConfigType.Boolean, null, [], "false").NotActedOn(NoTieredStorage),
        Def("retention.bytes", ConfigType.Long, null, "log.retention.bytes"),
        new(RetentionMs, ConfigType.Long, AtLeast(-1),
            [new("log.retention.ms"), new("log.retention.minutes", MinuteMs), new("log.retention.hours", HourMs)]),
        Def("segment.bytes", ConfigType.Int, AtLeast(14), "log.segment.bytes"),
        Def("segment.index.bytes", ConfigType.Int, AtLeast(4), "log.index.size.max.bytes"),
        new("segment.jitter.ms", ConfigType.Long, AtLeast(0), [new("log.roll.jitter.ms"), new("log.roll.jitter.hours", HourMs)]),
        new("segment.ms", ConfigType.Long, AtLeast(1), [new("log.roll.ms"), new("log.roll.hours", HourMs)]),
        Def("unclean.leader.election.enable", ConfigType.Boolean, null, "unclean.leader.election.enable").NotActedOn(SingleNode),
    ];

    private static readonly Dictionary<string, TopicConfigDefinition> _byName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static TopicConfigDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    private static TopicConfigDefinition Def(string name, ConfigType type, ConfigValidator? validator, string brokerSynonym) =>
        new(name, type, validator, [new BrokerSynonym(brokerSynonym)]);

    [GeneratedRegex(@"^\s*[0-9]+\s*:\s*[0-9]+\s*$")]
    private static partial Regex ReplicaPattern();
}
