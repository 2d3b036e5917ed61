using System.Text;
using KafkaCompat.Records;

namespace KafkaCompat.Storage.Tests;

/// <summary>Keyed batches for compaction tests, and the (offset, key, value) of what a log holds.</summary>
internal static class Compacted
{
    /// <summary>A compacted topic whose segments roll at every append more than 100 ms later (timestamps step by 1000).</summary>
    public static LogConfig Config { get; } = LogConfig.Default with
    {
        CleanupPolicy = ["compact"],
        SegmentMs = 100,
        MinCleanableDirtyRatio = 0,
        IndexIntervalBytes = 1,
    };

    /// <summary>One batch of (key, value) records; a null value is a tombstone.</summary>
    public static byte[] Batch(long timestamp, params (string Key, string? Value)[] records) =>
        Batch(timestamp, CompressionType.None, records);

    public static byte[] Batch(long timestamp, CompressionType compression, params (string Key, string? Value)[] records)
    {
        using var builder = new RecordBatchBuilder(compression);
        foreach ((string key, string? value) in records)
        {
            builder.Append(timestamp, Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value), new RecordHeader("h", Encoding.UTF8.GetBytes(key + "!")));
        }

        return builder.ToArray();
    }

    /// <summary>Every record from the log start, as "offset:key=value" ("offset:key=null" for a tombstone).</summary>
    public static List<string> Records(LogFixture fixture) => Records(fixture.Log);

    public static List<string> Records(PartitionLog log)
    {
        var result = new List<string>();
        using LogReadResult read = log.Read(log.LogStartOffset, int.MaxValue / 2, log.HighWatermark, minOneBatch: true);
        Assert.That(read.Error, Is.EqualTo(KafkaCompat.Protocol.ErrorCode.None));
        foreach (RecordBatch batch in Batches.Split(read.Records.ToArray()))
        {
            Assert.That(batch.IsValidCrc(), Is.True, $"the batch at {batch.BaseOffset} has a valid CRC");
            using RecordBatchReader records = batch.OpenRecords(int.MaxValue);
            foreach (Record record in records)
            {
                string value = record.IsValueNull ? "null" : Encoding.UTF8.GetString(record.ValueSpan);
                result.Add($"{record.Offset}:{Encoding.UTF8.GetString(record.KeySpan)}={value}");
            }
        }

        return result;
    }

    public static LogCleaner CleanerFor(LogFixture fixture, CleanerConfig? config = null) =>
        new(fixture.FileSystem, config ?? new CleanerConfig { DedupeBufferSize = 1024 * 1024 }, fixture.Time, () => [fixture.Log]);

    /// <summary>A cleaner of <paramref name="log"/> alone, on a file system of the test's own (one that fails or tears writes).</summary>
    public static LogCleaner CleanerOn(IFileSystem fileSystem, TimeProvider time, PartitionLog log) =>
        new(fileSystem, new CleanerConfig { DedupeBufferSize = 1024 * 1024 }, time, () => [log]);
}
