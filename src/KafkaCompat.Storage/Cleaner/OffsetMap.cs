using System.Buffers.Binary;
using System.Security.Cryptography;

namespace KafkaCompat.Storage;

/// <summary>
/// The cleaner's map from key to the latest offset seen for it, in a fixed amount of memory
/// (log.cleaner.dedupe.buffer.size), as Kafka's SkimpyOffsetMap: a key is kept as its 16-byte MD5
/// hash in an open-addressing table of 24-byte slots, so the cost per key does not depend on key
/// size. Two keys with the same MD5 would be taken as one; Kafka accepts the same (astronomically
/// small) risk.
/// </summary>
internal sealed class OffsetMap
{
    /// <summary>A hash (16 bytes) and an offset (8 bytes).</summary>
    public const int BytesPerEntry = 24;

    private readonly ulong[] _hashHigh;
    private readonly ulong[] _hashLow;
    // The offset plus one, so that zero marks an empty slot.
    private readonly long[] _offsetPlusOne;

    /// <param name="memoryBytes">log.cleaner.dedupe.buffer.size divided among the cleaner threads.</param>
    /// <param name="loadFactor">log.cleaner.io.buffer.load.factor: how full the table may get.</param>
    public OffsetMap(long memoryBytes, double loadFactor)
    {
        int slots = (int)Math.Clamp(memoryBytes / BytesPerEntry, 2, Array.MaxLength);
        _hashHigh = new ulong[slots];
        _hashLow = new ulong[slots];
        _offsetPlusOne = new long[slots];
        Capacity = Math.Clamp((int)(slots * loadFactor), 1, slots - 1);
    }

    /// <summary>How many keys fit before the map counts as full.</summary>
    public int Capacity { get; }

    public int Count { get; private set; }

    /// <summary>The largest offset put since the last <see cref="Clear"/>, or -1.</summary>
    public long LatestOffset { get; private set; } = -1;

    public bool IsFull => Count >= Capacity;

    /// <summary>Records <paramref name="offset"/> as the latest of <paramref name="key"/>.</summary>
    /// <exception cref="InvalidOperationException">The map is full.</exception>
    public void Put(ReadOnlySpan<byte> key, long offset)
    {
        (ulong high, ulong low) = Hash(key);
        int slot = Find(high, low);
        if (_offsetPlusOne[slot] == 0)
        {
            if (IsFull)
            {
                throw new InvalidOperationException($"The offset map is full ({Capacity} keys).");
            }

            _hashHigh[slot] = high;
            _hashLow[slot] = low;
            Count++;
        }

        _offsetPlusOne[slot] = offset + 1;
        LatestOffset = Math.Max(LatestOffset, offset);
    }

    /// <summary>The latest offset of <paramref name="key"/>, or -1 when the map has not seen it.</summary>
    public long Get(ReadOnlySpan<byte> key)
    {
        (ulong high, ulong low) = Hash(key);
        return _offsetPlusOne[Find(high, low)] - 1;
    }

    public void Clear()
    {
        Array.Clear(_offsetPlusOne);
        Count = 0;
        LatestOffset = -1;
    }

    private static (ulong High, ulong Low) Hash(ReadOnlySpan<byte> key)
    {
        Span<byte> digest = stackalloc byte[16];
        MD5.HashData(key, digest);
        return (BinaryPrimitives.ReadUInt64LittleEndian(digest), BinaryPrimitives.ReadUInt64LittleEndian(digest[8..]));
    }

    /// <summary>The slot holding this hash, or the empty slot where it would go (linear probing; the load factor keeps one free).</summary>
    private int Find(ulong high, ulong low)
    {
        int slots = _offsetPlusOne.Length;
        int slot = (int)(high % (ulong)slots);
        while (_offsetPlusOne[slot] != 0 && (_hashHigh[slot] != high || _hashLow[slot] != low))
        {
            slot = slot + 1 == slots ? 0 : slot + 1;
        }

        return slot;
    }
}
