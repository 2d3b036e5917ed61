using System.Buffers.Binary;

namespace KafkaCompat.Storage;

/// <summary>
/// The <c>.txnindex</c> of a segment, in Kafka's format: one 34-byte big-endian entry per aborted
/// transaction whose ABORT marker lies in the segment (version int16 = 0, producer id int64, first
/// offset int64, last offset int64, last stable offset int64), in marker order. Most segments never
/// see an abort, so the file is created with its first entry, as Kafka does. The entries are also
/// kept in memory for read_committed fetches.
/// </summary>
/// <remarks>
/// One appender, many readers (the same scheme as <see cref="SparseIndex{TKey}"/>): a reader takes
/// the count first, and entries below it never change; growing copies into a new array.
/// </remarks>
internal sealed class TransactionIndex : IDisposable
{
    public const int EntrySize = 2 + 8 + 8 + 8 + 8;

    private const short CurrentVersion = 0;

    private readonly IFileSystem _fileSystem;
    private ILogFile? _file;
    private AbortedTxn[] _entries = [];
    private int _count;

    private TransactionIndex(IFileSystem fileSystem, string path, long baseOffset)
    {
        _fileSystem = fileSystem;
        Path = path;
        BaseOffset = baseOffset;
    }

    public string Path { get; }

    public long BaseOffset { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The marker offset of the last entry, or -1.</summary>
    public long LastOffset => _count == 0 ? -1 : _entries[_count - 1].LastOffset;

    /// <summary>
    /// Opens the index when its file exists and loads the entries below <paramref name="nextOffset"/>
    /// (the segment's end): a torn last entry, an entry out of order or outside the segment, and
    /// every entry after it are cut from the file (their markers are gone, or the file was torn; the
    /// producer state replay writes back whatever the log still holds). Returns the bytes cut.
    /// </summary>
    public static TransactionIndex Open(IFileSystem fileSystem, string path, long baseOffset, long nextOffset, out long truncatedBytes)
    {
        var index = new TransactionIndex(fileSystem, path, baseOffset);
        truncatedBytes = 0;
        if (!fileSystem.FileExists(path))
        {
            return index;
        }

        ILogFile file = fileSystem.Open(path, create: false);
        index._file = file;
        byte[] content = new byte[file.Length];
        int valid = 0;
        if (file.ReadExactly(0, content))
        {
            index._entries = new AbortedTxn[content.Length / EntrySize];
            for (; valid + EntrySize <= content.Length; valid += EntrySize)
            {
                if (Read(content.AsSpan(valid, EntrySize)) is not { } entry
                    || entry.LastOffset < baseOffset || entry.LastOffset >= nextOffset || entry.FirstOffset > entry.LastOffset
                    || entry.LastOffset <= index.LastOffset)
                {
                    break;
                }

                index._entries[index._count++] = entry;
            }
        }

        truncatedBytes = content.Length - valid;
        if (truncatedBytes > 0)
        {
            file.Truncate(valid);
        }

        return index;
    }

    /// <summary>An empty index of a new segment; the caller removed any stale file of that name.</summary>
    public static TransactionIndex Empty(IFileSystem fileSystem, string path, long baseOffset) => new(fileSystem, path, baseOffset);

    /// <summary>Appends an entry; its marker must come after the last entry's (Kafka refuses otherwise too).</summary>
    public void Append(AbortedTxn entry)
    {
        if (entry.LastOffset <= LastOffset)
        {
            throw new InvalidOperationException($"The aborted transactions of {Path} must end in increasing order: {entry.LastOffset} after {LastOffset}.");
        }

        Span<byte> bytes = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt16BigEndian(bytes, CurrentVersion);
        BinaryPrimitives.WriteInt64BigEndian(bytes[2..], entry.ProducerId);
        BinaryPrimitives.WriteInt64BigEndian(bytes[10..], entry.FirstOffset);
        BinaryPrimitives.WriteInt64BigEndian(bytes[18..], entry.LastOffset);
        BinaryPrimitives.WriteInt64BigEndian(bytes[26..], entry.LastStableOffset);
        _file ??= _fileSystem.Open(Path, create: true);
        _file.Append(bytes);
        if (_count == _entries.Length)
        {
            var grown = new AbortedTxn[Math.Max(4, _entries.Length * 2)];
            _entries.CopyTo(grown, 0);
            Volatile.Write(ref _entries, grown);
        }

        _entries[_count] = entry;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Appends the entry unless the index already holds it (replaying the log after a crash or a truncation).</summary>
    public void AppendIfMissing(AbortedTxn entry)
    {
        if (entry.LastOffset > LastOffset)
        {
            Append(entry);
        }
    }

    /// <summary>Removes the entries whose marker is at or after <paramref name="offset"/> (the log was truncated there).</summary>
    public void TruncateTo(long offset)
    {
        int keep = _count;
        while (keep > 0 && _entries[keep - 1].LastOffset >= offset)
        {
            keep--;
        }

        if (keep < _count)
        {
            _file?.Truncate((long)keep * EntrySize);
            Volatile.Write(ref _count, keep);
        }
    }

    /// <summary>
    /// Adds to <paramref name="found"/> (created on the first match) the aborted transactions that
    /// overlap [<paramref name="fetchOffset"/>, <paramref name="upperBoundOffset"/>). Returns true
    /// when no later segment can hold one: an entry's last stable offset at or beyond the bound means
    /// every transaction that started below the bound was resolved at or before this marker.
    /// </summary>
    public bool CollectAbortedTxns(long fetchOffset, long upperBoundOffset, ref List<AbortedTxn>? found)
    {
        int count = Count;
        AbortedTxn[] entries = Volatile.Read(ref _entries);
        for (int i = 0; i < count; i++)
        {
            AbortedTxn entry = entries[i];
            if (entry.LastOffset >= fetchOffset && entry.FirstOffset < upperBoundOffset)
            {
                (found ??= []).Add(entry);
            }

            if (entry.LastStableOffset >= upperBoundOffset)
            {
                return true;
            }
        }

        return false;
    }

    public void Flush() => _file?.Flush();

    public void Dispose() => _file?.Dispose();

    private static AbortedTxn? Read(ReadOnlySpan<byte> bytes) =>
        BinaryPrimitives.ReadInt16BigEndian(bytes) != CurrentVersion
            ? null
            : new AbortedTxn(
                BinaryPrimitives.ReadInt64BigEndian(bytes[2..]),
                BinaryPrimitives.ReadInt64BigEndian(bytes[10..]),
                BinaryPrimitives.ReadInt64BigEndian(bytes[18..]),
                BinaryPrimitives.ReadInt64BigEndian(bytes[26..]));
}
