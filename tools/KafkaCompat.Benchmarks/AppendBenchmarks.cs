using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using KafkaCompat.Broker.Replication;
using KafkaCompat.Records;
using KafkaCompat.Storage;

namespace KafkaCompat.Benchmarks;

/// <summary>
/// The produce path below the handler: one batch of 1 KiB records (16 KiB or 256 KiB), from an
/// idempotent producer or not, appended to a partition log, alone (as a coordinator appends) and after LogValidator (as a
/// Produce does). Segment files go to <see cref="DiscardingFileSystem"/>, so the figures are the
/// log's own work (validation, offset assignment, producer state, indexing) without the page cache;
/// the allocation column must not grow with the record count.
/// </summary>
[MemoryDiagnoser]
public class AppendBenchmarks
{
    private const short ProduceVersion = 9;

    // Where a v2 batch header keeps its base sequence (after producer id and epoch).
    private const int BaseSequenceOffset = 53;

    private static readonly LogConfig Config = LogConfig.Default with { SegmentBytes = 64 * 1024 * 1024, RetentionBytes = 128 * 1024 * 1024 };

    private byte[] _batch = [];
    private PartitionLog _log = null!;
    private int _sequence;
    private long _appends;

    [Params(16, 256)]
    public int Records { get; set; }

    [Params(false, true)]
    public bool Idempotent { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var value = new byte[1024];
        Random.Shared.NextBytes(value);
        using var builder = Idempotent
            ? new RecordBatchBuilder { ProducerId = 1000, ProducerEpoch = 0, BaseSequence = 0 }
            : new RecordBatchBuilder();
        for (var i = 0; i < Records; i++)
        {
            builder.Append(1_700_000_000_000 + i, null, value);
        }
        _batch = builder.ToArray();
        _log = PartitionLog.Open(new DiscardingFileSystem(), "/bench", new TopicPartition("bench", 0), Config, TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup() => _log.Dispose();

    [Benchmark]
    public long Append()
    {
        NextRequest();
        return Committed(_log.Append(_batch, leaderEpoch: 0));
    }

    [Benchmark]
    public long ValidateAndAppend()
    {
        NextRequest();
        if (LogValidator.Validate(_batch, Config, ProduceVersion, 1_700_000_000_000, out var appendInfo) is { } error)
        {
            throw new InvalidOperationException(error.Message);
        }
        return Committed(_log.Append(_batch, appendInfo, leaderEpoch: 0));
    }

    /// <summary>
    /// Moves the high watermark as the partition does after every append, and now and then applies
    /// retention.bytes, so rolled segments (and their in-memory indexes) do not pile up over a run.
    /// </summary>
    private long Committed(LogAppendResult result)
    {
        _log.MaybeIncrementHighWatermark(result.LastOffset + 1);
        if ((++_appends & 1023) == 0)
        {
            _log.ApplyRetention(0);
        }
        return result.LastOffset;
    }

    /// <summary>
    /// What the next produce request carries: base offset 0 (the append wrote the last one's offset
    /// in place, outside the CRC) and, from an idempotent producer, its next sequence, which the CRC
    /// covers: then the CRC is recomputed here, a cost the same before and after any log change.
    /// </summary>
    private void NextRequest()
    {
        RecordBatch.SetBaseOffset(_batch, 0);
        if (Idempotent)
        {
            BinaryPrimitives.WriteInt32BigEndian(_batch.AsSpan(BaseSequenceOffset), _sequence);
            RecordBatch.UpdateCrc(_batch);
            _sequence = _sequence > int.MaxValue - Records ? 0 : _sequence + Records;
        }
    }
}
