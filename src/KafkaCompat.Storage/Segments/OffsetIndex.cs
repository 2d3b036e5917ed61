using System.Buffers.Binary;

namespace KafkaCompat.Storage;

/// <summary>
/// The sparse <c>.index</c> of a segment: 8-byte entries (4-byte offset relative to the segment's
/// base offset, 4-byte file position of the batch with that base offset), one every
/// index.interval.bytes. Entries live in memory and are appended to the file as they are made;
/// the file is only read at open.
/// </summary>
internal sealed class OffsetIndex : IDisposable
{
    public const int EntrySize = 8;

    private readonly ILogFile _file;
    private readonly long _baseOffset;
    private readonly int _maxEntries;
    private int[] _relativeOffsets = new int[16];
    private int[] _positions = new int[16];
    private int _count;

    private OffsetIndex(ILogFile file, long baseOffset, int maxIndexSize)
    {
        _file = file;
        _baseOffset = baseOffset;
        _maxEntries = Math.Max(1, maxIndexSize / EntrySize);
    }

    public int Count => Volatile.Read(ref _count);

    public bool IsFull => _count >= _maxEntries;

    public long SizeInBytes => (long)_count * EntrySize;

    /// <summary>
    /// Opens (creating if missing) the index and loads its entries. Returns false in
    /// <paramref name="valid"/> when the file is torn or its entries are not increasing or point past
    /// <paramref name="logSize"/>; the caller then rebuilds it from the log.
    /// </summary>
    public static OffsetIndex Open(IFileSystem fileSystem, string path, long baseOffset, int maxIndexSize, long logSize, out bool valid)
    {
        var index = new OffsetIndex(fileSystem.Open(path, create: true), baseOffset, maxIndexSize);
        valid = index.Load(logSize);
        if (!valid)
        {
            index.Reset();
        }

        return index;
    }

    public (long Offset, int Position)? LastEntry =>
        Count == 0 ? null : (_baseOffset + _relativeOffsets[Count - 1], _positions[Count - 1]);

    /// <summary>The largest entry whose offset is at most <paramref name="targetOffset"/>, else (base offset, 0).</summary>
    public (long Offset, int Position) Lookup(long targetOffset)
    {
        // Readers may race the appender: take the count first; entries below it are immutable.
        int count = Count;
        int[] offsets = Volatile.Read(ref _relativeOffsets);
        int[] positions = Volatile.Read(ref _positions);
        if (targetOffset - _baseOffset > int.MaxValue)
        {
            targetOffset = _baseOffset + int.MaxValue;
        }

        int found = UpperBound(offsets, count, (int)Math.Max(-1, targetOffset - _baseOffset));
        return found < 0 ? (_baseOffset, 0) : (_baseOffset + offsets[found], positions[found]);
    }

    public void Append(long offset, int position)
    {
        int relative = checked((int)(offset - _baseOffset));
        if (_count > 0 && relative <= _relativeOffsets[_count - 1])
        {
            throw new InvalidOperationException($"Offset index entries must increase: {offset} after {_baseOffset + _relativeOffsets[_count - 1]}.");
        }

        Span<byte> entry = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt32BigEndian(entry, relative);
        BinaryPrimitives.WriteInt32BigEndian(entry[4..], position);
        _file.Append(entry);
        AddInMemory(relative, position);
    }

    /// <summary>Removes the entries at or beyond <paramref name="offset"/> (the log was truncated there).</summary>
    public void TruncateTo(long offset)
    {
        int keep = UpperBound(_relativeOffsets, _count, (int)Math.Max(-1, offset - _baseOffset - 1)) + 1;
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

    private bool Load(long logSize)
    {
        if (IndexFile.ReadEntries(_file, EntrySize, _maxEntries) is not { } content)
        {
            return false;
        }

        for (int i = 0; i < content.Length; i += EntrySize)
        {
            int relative = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(i));
            int position = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(i + 4));
            bool increasing = _count == 0 || (relative > _relativeOffsets[_count - 1] && position > _positions[_count - 1]);
            if (relative < 0 || position < 0 || position >= logSize || !increasing)
            {
                return false;
            }

            AddInMemory(relative, position);
        }

        return true;
    }

    private void AddInMemory(int relative, int position)
    {
        if (_count == _relativeOffsets.Length)
        {
            // Grow by copying; readers holding the old arrays still see valid entries below their count.
            Volatile.Write(ref _relativeOffsets, Grow(_relativeOffsets));
            Volatile.Write(ref _positions, Grow(_positions));
        }

        _relativeOffsets[_count] = relative;
        _positions[_count] = position;
        Volatile.Write(ref _count, _count + 1);
    }

    private static int[] Grow(int[] array)
    {
        var grown = new int[array.Length * 2];
        array.CopyTo(grown, 0);
        return grown;
    }

    /// <summary>The index of the last element at most <paramref name="value"/> among the first <paramref name="count"/>, or -1.</summary>
    private static int UpperBound(int[] sorted, int count, int value)
    {
        int low = 0;
        int high = count - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (sorted[middle] <= value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return high;
    }
}
