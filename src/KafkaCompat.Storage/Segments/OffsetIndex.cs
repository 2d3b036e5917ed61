namespace KafkaCompat.Storage;

/// <summary>
/// The sparse <c>.index</c> of a segment: 8-byte entries (4-byte offset relative to the segment's
/// base offset, 4-byte file position of the batch with that base offset), one every
/// index.interval.bytes.
/// </summary>
internal sealed class OffsetIndex : SparseIndex<int>
{
    private OffsetIndex(ILogFile file, long baseOffset, int maxIndexSize)
        : base(file, baseOffset, maxIndexSize)
    {
    }

    /// <summary>
    /// Opens (creating if missing) the index and loads its entries. Returns false in
    /// <paramref name="valid"/> when the file is torn or its entries are not increasing or point past
    /// <paramref name="logSize"/>; the caller then rebuilds it from the log.
    /// </summary>
    public static OffsetIndex Open(IFileSystem fileSystem, string path, long baseOffset, int maxIndexSize, long logSize, out bool valid)
    {
        var index = new OffsetIndex(fileSystem.Open(path, create: true), baseOffset, maxIndexSize);
        valid = index.LoadOrReset(logSize);
        return index;
    }

    public (long Offset, int Position)? LastEntry =>
        TryGetLast(out int relative, out int position) ? (BaseOffset + relative, position) : null;

    /// <summary>The largest entry whose offset is at most <paramref name="targetOffset"/>, else (base offset, 0).</summary>
    public (long Offset, int Position) Lookup(long targetOffset)
    {
        int target = (int)Math.Clamp(targetOffset - BaseOffset, -1, int.MaxValue);
        return TryFloor(target, out int relative, out int position) ? (BaseOffset + relative, position) : (BaseOffset, 0);
    }

    public void Append(long offset, int position)
    {
        int relative = checked((int)(offset - BaseOffset));
        if (TryGetLast(out int last, out _) && relative <= last)
        {
            throw new InvalidOperationException($"Offset index entries must increase: {offset} after {BaseOffset + last}.");
        }

        AppendEntry(relative, position);
    }

    protected override int RelativeOffsetOf(int key, int value) => key;

    /// <summary>Offsets and positions both strictly increase, and every position lies inside the log.</summary>
    protected override bool IsSane(int key, int value, (int Key, int Value)? previous, long limit) =>
        key >= 0 && value >= 0 && value < limit
        && (previous is not { } last || (key > last.Key && value > last.Value));
}
