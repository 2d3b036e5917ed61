using System.Buffers.Binary;
using System.Numerics;

namespace KafkaCompat.Storage;

/// <summary>
/// What the <c>.index</c> and <c>.timeindex</c> of a segment share: fixed-size entries of a key that
/// only grows and a 4-byte value, both big-endian and key first (so the key's width alone sets the
/// file format), appended to the file as they are made and kept in memory for binary search; the
/// file is only read at open. A subclass says what the fields mean and when a loaded entry is sane.
/// </summary>
/// <remarks>
/// One appender, many readers: a reader takes the count first, and entries below it never change
/// (growing copies into new arrays, so arrays a reader already holds stay valid below its count).
/// </remarks>
internal abstract class SparseIndex<TKey> : IDisposable
    where TKey : unmanaged, IBinaryInteger<TKey>
{
    private static readonly int _keySize = TKey.Zero.GetByteCount();

    private readonly ILogFile _file;
    private readonly int _entrySize;
    private readonly int _maxEntries;
    private TKey[] _keys = new TKey[16];
    private int[] _values = new int[16];
    private int _count;

    protected SparseIndex(ILogFile file, long baseOffset, int maxIndexSize)
    {
        _file = file;
        BaseOffset = baseOffset;
        _entrySize = _keySize + sizeof(int);
        _maxEntries = Math.Max(1, maxIndexSize / _entrySize);
    }

    public long BaseOffset { get; }

    public int Count => Volatile.Read(ref _count);

    public bool IsFull => _count >= _maxEntries;

    public long SizeInBytes => (long)_count * _entrySize;

    /// <summary>Removes the entries pointing at or beyond <paramref name="offset"/> (the log was truncated there).</summary>
    public void TruncateTo(long offset)
    {
        int keep = _count;
        while (keep > 0 && BaseOffset + RelativeOffsetOf(_keys[keep - 1], _values[keep - 1]) >= offset)
        {
            keep--;
        }

        _file.Truncate((long)keep * _entrySize);
        Volatile.Write(ref _count, keep);
    }

    public void Reset()
    {
        _file.Truncate(0);
        Volatile.Write(ref _count, 0);
    }

    public void Flush() => _file.Flush();

    public void Dispose() => _file.Dispose();

    /// <summary>The last entry, or false when the index is empty.</summary>
    protected bool TryGetLast(out TKey key, out int value)
    {
        int count = Count;
        return TryGetAt(Volatile.Read(ref _keys), Volatile.Read(ref _values), count - 1, out key, out value);
    }

    /// <summary>The entry with the largest key at most <paramref name="target"/>, or false when every key is larger.</summary>
    protected bool TryFloor(TKey target, out TKey key, out int value)
    {
        int count = Count;
        TKey[] keys = Volatile.Read(ref _keys);
        int[] values = Volatile.Read(ref _values);
        int low = 0;
        int high = count - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (keys[middle] <= target)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return TryGetAt(keys, values, high, out key, out value);
    }

    /// <summary>Writes the entry to the file and then to memory; <paramref name="key"/> must exceed the last key.</summary>
    protected void AppendEntry(TKey key, int value)
    {
        Span<byte> entry = stackalloc byte[_entrySize];
        key.WriteBigEndian(entry);
        BinaryPrimitives.WriteInt32BigEndian(entry[_keySize..], value);
        _file.Append(entry);
        AddInMemory(key, value);
    }

    /// <summary>
    /// Loads the file's entries, or empties the file and returns false when it is torn, larger than
    /// the index allows (plus the one entry a full index may have), unreadable, or holds an entry
    /// <see cref="IsSane"/> refuses: the caller then rebuilds the index from the log.
    /// </summary>
    protected bool LoadOrReset(long limit)
    {
        if (!Load(limit))
        {
            Reset();
            return false;
        }

        return true;
    }

    /// <summary>Where the entry points, relative to <see cref="BaseOffset"/>.</summary>
    protected abstract int RelativeOffsetOf(TKey key, int value);

    /// <summary>Whether a loaded entry can follow the previous one (if any) in an index of a log bounded by <paramref name="limit"/>.</summary>
    protected abstract bool IsSane(TKey key, int value, (TKey Key, int Value)? previous, long limit);

    private bool Load(long limit)
    {
        long length = _file.Length;
        if (length % _entrySize != 0 || length / _entrySize > _maxEntries + 1L)
        {
            return false;
        }

        byte[] content = new byte[length];
        if (!_file.ReadExactly(0, content))
        {
            return false;
        }

        // Sized once for what the file holds; no reader sees the index before it is loaded.
        int entries = content.Length / _entrySize;
        if (entries > _keys.Length)
        {
            _keys = new TKey[entries];
            _values = new int[entries];
        }

        for (int i = 0; i < content.Length; i += _entrySize)
        {
            var key = TKey.ReadBigEndian(content.AsSpan(i, _keySize), isUnsigned: false);
            int value = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(i + _keySize));
            (TKey, int)? previous = _count == 0 ? null : (_keys[_count - 1], _values[_count - 1]);
            if (!IsSane(key, value, previous, limit))
            {
                return false;
            }

            AddInMemory(key, value);
        }

        return true;
    }

    private void AddInMemory(TKey key, int value)
    {
        if (_count == _keys.Length)
        {
            Volatile.Write(ref _keys, Grow(_keys));
            Volatile.Write(ref _values, Grow(_values));
        }

        _keys[_count] = key;
        _values[_count] = value;
        Volatile.Write(ref _count, _count + 1);
    }

    private static T[] Grow<T>(T[] array)
    {
        var grown = new T[array.Length * 2];
        array.CopyTo(grown, 0);
        return grown;
    }

    private static bool TryGetAt(TKey[] keys, int[] values, int index, out TKey key, out int value)
    {
        if (index < 0)
        {
            key = default;
            value = 0;
            return false;
        }

        key = keys[index];
        value = values[index];
        return true;
    }
}
