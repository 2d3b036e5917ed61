using System.Buffers;
using KafkaCompat.Protocol;

namespace KafkaCompat.Storage;

/// <summary>
/// The batches a Fetch gets from a partition, as stored (whole batches, one contiguous read per
/// segment into a pooled buffer), and the partition's offsets at the time of the read. Dispose
/// returns the buffer: <see cref="Records"/> must not be used afterwards.
/// </summary>
public sealed class LogReadResult : IDisposable
{
    private byte[]? _buffer;

    internal LogReadResult(ErrorCode error, byte[]? buffer, int length, long logStartOffset, long highWatermark, long lastStableOffset, long logEndOffset,
        IReadOnlyList<AbortedTxn>? abortedTransactions = null)
    {
        AbortedTransactions = abortedTransactions ?? [];
        Error = error;
        _buffer = buffer;
        Records = buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length);
        LogStartOffset = logStartOffset;
        HighWatermark = highWatermark;
        LastStableOffset = lastStableOffset;
        LogEndOffset = logEndOffset;
    }

    /// <summary>None, or OffsetOutOfRange when the fetch offset is below the log start offset or above the log end offset.</summary>
    public ErrorCode Error { get; }

    public ReadOnlyMemory<byte> Records { get; }

    public long LogStartOffset { get; }

    public long HighWatermark { get; }

    public long LastStableOffset { get; }

    public long LogEndOffset { get; }

    /// <summary>For a read_committed read: the aborted transactions overlapping the batches returned, in marker order; else empty.</summary>
    public IReadOnlyList<AbortedTxn> AbortedTransactions { get; }

    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
