using System.Buffers;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>What <see cref="BatchScanner.MoveNext"/> found at the next position.</summary>
internal enum ScanStatus
{
    Batch,
    End,

    /// <summary>The file ends inside a header or a batch: a torn write.</summary>
    Truncated,

    /// <summary>The bytes there are not a batch header (bad magic or length).</summary>
    Corrupt,
}

/// <summary>
/// Walks the batches of a segment file through a pooled read-ahead buffer, so a scan of many small
/// batches costs a few large reads instead of one read per batch header.
/// </summary>
internal sealed class BatchScanner : IDisposable
{
    private readonly ILogFile _file;
    private readonly long _end;
    private byte[] _buffer;
    private long _bufferStart;
    private int _bufferLength;

    public BatchScanner(ILogFile file, long startPosition, long endPosition, int bufferSize = 16 * 1024)
    {
        _file = file;
        _end = endPosition;
        NextPosition = startPosition;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>The position of the current batch.</summary>
    public long Position { get; private set; }

    /// <summary>Where the next batch starts: after the current one, or where the scan stopped.</summary>
    public long NextPosition { get; private set; }

    public RecordBatchHeader Header => new(_buffer.AsSpan((int)(Position - _bufferStart), RecordBatchHeader.Size));

    public int BatchSize { get; private set; }

    /// <summary>The whole current batch; only after <see cref="MoveNext"/> with readWholeBatch.</summary>
    public ReadOnlyMemory<byte> Batch => _buffer.AsMemory((int)(Position - _bufferStart), BatchSize);

    public ScanStatus MoveNext(bool readWholeBatch = false)
    {
        long position = NextPosition;
        if (position >= _end)
        {
            return ScanStatus.End;
        }

        Position = position;
        if (!Ensure(position, RecordBatchHeader.Size))
        {
            return ScanStatus.Truncated;
        }

        RecordBatchHeader header = Header;
        if (!header.IsWellFormed)
        {
            return ScanStatus.Corrupt;
        }

        if (header.SizeInBytes > _end - position)
        {
            return ScanStatus.Truncated;
        }

        BatchSize = (int)header.SizeInBytes;
        if (readWholeBatch && !Ensure(position, BatchSize))
        {
            return ScanStatus.Truncated;
        }

        NextPosition = position + BatchSize;
        return ScanStatus.Batch;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    /// <summary>Makes [position, position + count) available in the buffer; false when the file ends first.</summary>
    private bool Ensure(long position, int count)
    {
        if (position >= _bufferStart && position + count <= _bufferStart + _bufferLength)
        {
            return true;
        }

        if (count > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(count);
        }

        int wanted = (int)Math.Min(_buffer.Length, _end - position);
        int read = 0;
        while (read < wanted)
        {
            int n = _file.Read(position + read, _buffer.AsSpan(read, wanted - read));
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        _bufferStart = position;
        _bufferLength = read;
        return read >= count;
    }
}
