using KafkaCompat.Storage;

namespace KafkaCompat.Raft;

/// <summary>
/// The settings of the metadata log and its snapshots, with Kafka's defaults: segments roll at
/// <c>metadata.log.segment.bytes</c>/<c>.ms</c>; snapshots and the log before them are deleted past
/// <c>metadata.max.retention.ms</c>/<c>.bytes</c> (<see cref="IRaftLog.MaybeClean"/>), never by the
/// log's own retention, which would drop records no snapshot holds yet.
/// </summary>
public sealed record RaftLogConfig
{
    /// <summary>Kafka's limit on one Raft batch (KafkaRaftClient's MAX_BATCH_SIZE_BYTES).</summary>
    public const int MaxBatchSizeBytes = 8 * 1024 * 1024;

    public int SegmentBytes { get; init; } = 1024 * 1024 * 1024;

    public long SegmentMs { get; init; } = 7 * 24 * 60 * 60 * 1000L;

    /// <summary><c>metadata.max.retention.ms</c>; -1 keeps snapshots whatever their age.</summary>
    public long RetentionMs { get; init; } = 7 * 24 * 60 * 60 * 1000L;

    /// <summary><c>metadata.max.retention.bytes</c>: the log and its snapshots together; -1 for no limit.</summary>
    public long RetentionBytes { get; init; } = 100 * 1024 * 1024;

    /// <summary>The partition log's own settings: no time or size retention of its own (Kafka's KafkaRaftLog refuses any).</summary>
    public LogConfig ToLogConfig() => new()
    {
        SegmentBytes = SegmentBytes,
        SegmentMs = SegmentMs,
        RetentionMs = -1,
        RetentionBytes = -1,
        MaxMessageBytes = MaxBatchSizeBytes,
        CleanupPolicy = ["delete"],
    };
}
