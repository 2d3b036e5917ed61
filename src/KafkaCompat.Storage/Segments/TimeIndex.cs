using System.Buffers.Binary;

namespace KafkaCompat.Storage;

/// <summary>
/// The sparse <c>.timeindex</c> of a segment: 12-byte entries (8-byte timestamp, 4-byte relative
/// offset) meaning "batches up to this offset have a max timestamp of at most this", appended only
/// when the segment's max timestamp grows. Its last entry is the segment's max timestamp once the
/// segment is closed or rolled (as Kafka writes a final entry then).
/// </summary>
internal sealed class TimeIndex : IDisposable
{
    public const int EntrySize = 12;

    private readonly ILogFile _file;
    private readonly long _baseOffset;
    private readonly int _maxEntries;
    private long[] _timestamps = new long[8];
    private int[] _relativeOffsets = new int[8];
    private int _count;

    private TimeIndex(ILogFile file, long baseOffset, int maxIndexSize)
    {
        _file = file;
        _baseOffset = baseOffset;
        _maxEntries = Math.Max(1, maxIndexSize / EntrySize);
    }

    public int Count => Volatile.Read(ref _count);

    public bool IsFull => _count >= _maxEntries;

    public (long Timestamp, long Offset)? LastEntry =>
        Count == 0 ? null : (_timestamps[Count - 1], _baseOffset + _relativeOffsets[Count - 1]);

    /// <summary>Opens (creating if missing) and loads the index; <paramref name="valid"/> is false when it must be rebuilt.</summary>
    public static TimeIndex Open(IFileSystem fileSystem, string path, long baseOffset, int maxIndexSize, long nextOffset, out bool valid)
    {
        var index = new TimeIndex(fileSystem.Open(path, create: true), baseOffset, maxIndexSize);
        valid = index.Load(nextOffset);
        if (!valid)
        {
            index.Reset();
        }

        return index;
    }

    /// <summary>The largest entry whose timestamp is at most <paramref name="timestamp"/>, else (-1, base offset).</summary>
    public (long Timestamp, long Offset) Lookup(long timestamp)
    {
        int count = Count;
        long[] timestamps = Volatile.Read(ref _timestamps);
        int[] offsets = Volatile.Read(ref _relativeOffsets);
        int low = 0;
        int high = count - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (timestamps[middle] <= timestamp)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return high < 0 ? (-1, _baseOffset) : (timestamps[high], _baseOffset + offsets[high]);
    }

    /// <summary>Appends an entry when <paramref name="timestamp"/> is larger than the last one's.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        if (_count > 0 && timestamp <= _timestamps[_count - 1])
        {
            return;
        }

        int relative = checked((int)(offset - _baseOffset));
        Span<byte> entry = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt64BigEndian(entry, timestamp);
        BinaryPrimitives.WriteInt32BigEndian(entry[8..], relative);
        _file.Append(entry);
        if (_count == _timestamps.Length)
        {
            var timestamps = new long[_count * 2];
            var offsets = new int[_count * 2];
            _timestamps.CopyTo(timestamps, 0);
            _relativeOffsets.CopyTo(offsets, 0);
            Volatile.Write(ref _timestamps, timestamps);
            Volatile.Write(ref _relativeOffsets, offsets);
        }

        _timestamps[_count] = timestamp;
        _relativeOffsets[_count] = relative;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Removes the entries pointing at or beyond <paramref name="offset"/>.</summary>
    public void TruncateTo(long offset)
    {
        int keep = _count;
        while (keep > 0 && _baseOffset + _relativeOffsets[keep - 1] >= offset)
        {
            keep--;
        }

        _file.Truncate((long)keep * EntrySize);
        Volatile.Write(ref _count, keep);
    }

    public void Reset()
    {
        _file.Truncate(0);
        Volatile.Write(ref _count, 0);
    }

    public void Flush() => _file.Flush();

    public void Dispose() => _file.Dispose();

    private bool Load(long nextOffset)
    {
        if (IndexFile.ReadEntries(_file, EntrySize, _maxEntries) is not { } content)
        {
            return false;
        }

        var timestamps = new long[Math.Max(8, content.Length / EntrySize)];
        var offsets = new int[timestamps.Length];
        int count = 0;
        for (int i = 0; i < content.Length; i += EntrySize)
        {
            long timestamp = BinaryPrimitives.ReadInt64BigEndian(content.AsSpan(i));
            int relative = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(i + 8));
            bool increasing = count == 0 || (timestamp > timestamps[count - 1] && relative >= offsets[count - 1]);
            if (relative < 0 || _baseOffset + relative >= nextOffset || !increasing)
            {
                return false;
            }

            timestamps[count] = timestamp;
            offsets[count] = relative;
            count++;
        }

        _timestamps = timestamps;
        _relativeOffsets = offsets;
        _count = count;
        return true;
    }
}
