using System.Buffers;
using KafkaCompat.Records;

namespace KafkaCompat.Raft;

/// <summary>
/// Gathers a leader's appends for controller.quorum.append.linger.ms before they go to the log
/// together (one append, one flush), as Kafka's BatchAccumulator does: the controller writes
/// records in bursts, and one fsync per burst instead of per call is what makes commits cheap.
/// Each ScheduleAppend becomes one v2 batch, so its records commit or fail together, and gets its
/// offsets at once (the leader alone appends, so they are the log's next ones). Called from any
/// thread; drained by the Raft client's thread.
/// </summary>
internal sealed class BatchAccumulator(int epoch, long nextOffset, int lingerMs, int maxBatchSizeBytes = BatchAccumulator.MaxBatchSizeBytes)
{
    /// <summary>Kafka's cap on one Raft batch (8 MiB).</summary>
    public const int MaxBatchSizeBytes = 8 * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly List<byte[]> _pending = [];
    private long _nextOffset = nextOffset;
    private long _lingerStartMs;
    private bool _closed;

    public int Epoch { get; } = epoch;

    /// <summary>Builds the batch of <paramref name="records"/> (null keys) and returns the offset of its last record.</summary>
    /// <exception cref="NotLeaderException">The accumulator was closed: this replica no longer leads its epoch.</exception>
    /// <exception cref="ArgumentException">No records, or a batch larger than the limit.</exception>
    public long Append(IReadOnlyList<ReadOnlyMemory<byte>> records, long nowMs)
    {
        if (records.Count == 0)
        {
            throw new ArgumentException("An append needs at least one record.", nameof(records));
        }
        lock (_lock)
        {
            if (_closed)
            {
                throw new NotLeaderException($"This replica no longer leads epoch {Epoch}.");
            }
            using var builder = new RecordBatchBuilder { BaseOffset = _nextOffset, PartitionLeaderEpoch = Epoch };
            foreach (var value in records)
            {
                builder.Append(nowMs, (ReadOnlyMemory<byte>?)null, value);
            }
            var batch = builder.ToArray();
            if (batch.Length > maxBatchSizeBytes)
            {
                throw new ArgumentException($"The batch of {records.Count} records is {batch.Length} bytes, above the limit of {maxBatchSizeBytes}.", nameof(records));
            }
            if (_pending.Count == 0)
            {
                _lingerStartMs = nowMs;
            }
            _pending.Add(batch);
            _nextOffset += records.Count;
            return _nextOffset - 1;
        }
    }

    /// <summary>How long until the gathered batches are due (long.MaxValue when there are none).</summary>
    public long TimeUntilDrain(long nowMs)
    {
        lock (_lock)
        {
            return _pending.Count == 0 ? long.MaxValue : Math.Max(0, _lingerStartMs + lingerMs - nowMs);
        }
    }

    /// <summary>The gathered batches, concatenated in offset order, or null when there are none.</summary>
    public byte[]? Drain()
    {
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return null;
            }
            var writer = new ArrayBufferWriter<byte>(_pending.Sum(b => b.Length));
            foreach (var batch in _pending)
            {
                writer.Write(batch);
            }
            _pending.Clear();
            return writer.WrittenSpan.ToArray();
        }
    }

    /// <summary>The epoch is over: later appends are refused and what was not drained is dropped (it was never acknowledged as committed).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _pending.Clear();
        }
    }
}
