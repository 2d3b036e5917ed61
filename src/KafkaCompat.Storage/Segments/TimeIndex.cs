namespace KafkaCompat.Storage;

/// <summary>
/// The sparse <c>.timeindex</c> of a segment: 12-byte entries (8-byte timestamp, 4-byte relative
/// offset) meaning "batches up to this offset have a max timestamp of at most this", appended only
/// when the segment's max timestamp grows. Its last entry is the segment's max timestamp once the
/// segment is closed or rolled (as Kafka writes a final entry then).
/// </summary>
internal sealed class TimeIndex : SparseIndex<long>
{
    private TimeIndex(ILogFile file, long baseOffset, int maxIndexSize)
        : base(file, baseOffset, maxIndexSize)
    {
    }

    public (long Timestamp, long Offset)? LastEntry =>
        TryGetLast(out long timestamp, out int relative) ? (timestamp, BaseOffset + relative) : null;

    /// <summary>Opens (creating if missing) and loads the index; <paramref name="valid"/> is false when it must be rebuilt.</summary>
    public static TimeIndex Open(IFileSystem fileSystem, string path, long baseOffset, int maxIndexSize, long nextOffset, out bool valid)
    {
        var index = new TimeIndex(fileSystem.Open(path, create: true), baseOffset, maxIndexSize);
        valid = index.LoadOrReset(nextOffset);
        return index;
    }

    /// <summary>The largest entry whose timestamp is at most <paramref name="timestamp"/>, else (-1, base offset).</summary>
    public (long Timestamp, long Offset) Lookup(long timestamp) =>
        TryFloor(timestamp, out long found, out int relative) ? (found, BaseOffset + relative) : (-1, BaseOffset);

    /// <summary>Appends an entry when <paramref name="timestamp"/> is larger than the last one's.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        if (TryGetLast(out long last, out _) && timestamp <= last)
        {
            return;
        }

        AppendEntry(timestamp, checked((int)(offset - BaseOffset)));
    }

    protected override int RelativeOffsetOf(long key, int value) => value;

    /// <summary>Timestamps strictly increase, offsets never decrease, and every offset is below the log's next offset.</summary>
    protected override bool IsSane(long key, int value, (long Key, int Value)? previous, long limit) =>
        value >= 0 && BaseOffset + value < limit
        && (previous is not { } last || (key > last.Key && value >= last.Value));
}
