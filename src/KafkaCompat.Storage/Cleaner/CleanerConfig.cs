namespace KafkaCompat.Storage;

/// <summary>The broker's log.cleaner.* settings, with Kafka's defaults; the per-topic ones are in <see cref="LogConfig"/>.</summary>
public sealed record CleanerConfig
{
    /// <summary>log.cleaner.enable</summary>
    public bool Enable { get; init; } = true;

    /// <summary>log.cleaner.threads: this broker runs one cleaner thread whenever it is at least 1.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>log.cleaner.backoff.ms: the pause when no log needs cleaning.</summary>
    public long BackoffMs { get; init; } = 15_000;

    /// <summary>log.cleaner.dedupe.buffer.size: memory for the offset maps of all cleaner threads.</summary>
    public long DedupeBufferSize { get; init; } = 128L * 1024 * 1024;

    /// <summary>log.cleaner.io.buffer.load.factor</summary>
    public double DedupeBufferLoadFactor { get; init; } = 0.9;

    /// <summary>log.cleaner.io.buffer.size: read and write buffers of all cleaner threads.</summary>
    public int IoBufferSize { get; init; } = 512 * 1024;

    /// <summary>The offset map memory of one thread, as Kafka divides the dedupe buffer (and caps it at 2 GiB).</summary>
    internal long MapMemoryPerThread => Math.Min(DedupeBufferSize / Math.Max(1, Threads), int.MaxValue);

    /// <summary>Kafka halves the io buffer between reading and writing, per thread.</summary>
    internal int IoBufferPerThread => Math.Max(64 * 1024, IoBufferSize / Math.Max(1, Threads) / 2);
}
