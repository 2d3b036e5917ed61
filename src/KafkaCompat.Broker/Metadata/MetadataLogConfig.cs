using KafkaCompat.Broker.Config;
using KafkaCompat.Raft;
using KafkaCompat.Storage;

namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// Kafka's settings of the metadata log and its snapshots (KIP-630), with Kafka's defaults: the log
/// rolls at <c>metadata.log.segment.bytes</c>/<c>.ms</c>; a snapshot is written once
/// <c>metadata.log.max.record.bytes.between.snapshots</c> of records were committed since the last one,
/// or <c>metadata.log.max.snapshot.interval.ms</c> passed and something was committed; snapshots and
/// the log before them are deleted past <c>metadata.max.retention.ms</c>/<c>.bytes</c>, always
/// keeping the latest snapshot and the log after it.
/// </summary>
public sealed record MetadataLogConfig
{
    /// <summary>Kafka's limit on one metadata batch (KafkaRaftClient's maximum batch size).</summary>
    public const int MaxBatchSizeBytes = RaftLogConfig.MaxBatchSizeBytes;

    public int SegmentBytes { get; init; } = 1024 * 1024 * 1024;

    public long SegmentMs { get; init; } = 7 * 24 * 60 * 60 * 1000L;

    public long MaxRecordBytesBetweenSnapshots { get; init; } = 20 * 1024 * 1024;

    public long MaxSnapshotIntervalMs { get; init; } = 60 * 60 * 1000L;

    public long RetentionMs { get; init; } = 7 * 24 * 60 * 60 * 1000L;

    public long RetentionBytes { get; init; } = 100 * 1024 * 1024;

    public static MetadataLogConfig From(BrokerConfig config) => new()
    {
        SegmentBytes = config.GetInt("metadata.log.segment.bytes"),
        SegmentMs = config.GetLong("metadata.log.segment.ms"),
        MaxRecordBytesBetweenSnapshots = config.GetLong("metadata.log.max.record.bytes.between.snapshots"),
        MaxSnapshotIntervalMs = config.GetLong("metadata.log.max.snapshot.interval.ms"),
        RetentionMs = config.GetLong("metadata.max.retention.ms"),
        RetentionBytes = config.GetLong("metadata.max.retention.bytes"),
    };

    /// <summary>
    /// The log's own settings: its segments are deleted only below the oldest kept snapshot, never by
    /// the broker's log.retention.* (which would drop records no snapshot holds yet).
    /// </summary>
    public LogConfig ToLogConfig() => ToRaftLogConfig().ToLogConfig();

    /// <summary>The settings the Raft layer's file-backed log takes.</summary>
    public RaftLogConfig ToRaftLogConfig() => new()
    {
        SegmentBytes = SegmentBytes,
        SegmentMs = SegmentMs,
        RetentionMs = RetentionMs,
        RetentionBytes = RetentionBytes,
    };
}
