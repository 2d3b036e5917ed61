namespace KafkaCompat.Storage;

/// <summary>What one clean of one log did: the range it deduplicated, what it read and wrote, and how long it took.</summary>
public sealed record CleanerStats(
    long FirstDirtyOffset,
    long EndOffset,
    int SegmentsCleaned,
    long BytesRead,
    long BytesWritten,
    long BatchesRead,
    long BatchesRetained,
    TimeSpan Elapsed);
