using System.Globalization;

namespace KafkaCompat.Storage;

/// <summary>An entry of the leader epoch cache: the first offset written in <paramref name="Epoch"/>.</summary>
public readonly record struct EpochEntry(int Epoch, long StartOffset);

/// <summary>
/// Kafka's leader epoch cache of a partition log: for each leader epoch the first offset written
/// in it, kept in <c>leader-epoch-checkpoint</c> (Kafka's checkpoint format, "epoch start-offset"
/// lines). It answers OffsetsForLeaderEpoch (<see cref="EndOffsetFor"/>), which a follower asks to
/// find where its log diverged from the leader's before it truncates (KIP-101, KIP-279), and
/// names the epoch of the log end and the log start. Entries change only when an epoch changes,
/// so the checkpoint is rewritten rarely and the entries are copied on write: readers never lock.
/// The log's append lock serializes every change.
/// </summary>
/// <remarks>
/// A new epoch on the append path rewrites the checkpoint without an fsync, as Kafka does since
/// KAFKA-15046, so an append never waits for the disk: the checkpoint is made durable at each
/// roll and at close, and after a crash the epochs of the active segment (the only one written
/// since) are read again from its batch headers. Truncations fsync it: they are rare, and the
/// entries they remove must not come back.
/// </remarks>
internal sealed class LeaderEpochFileCache
{
    public const string FileName = "leader-epoch-checkpoint";

    /// <summary>Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.</summary>
    public const int UndefinedEpoch = -1;

    public const long UndefinedEpochOffset = -1;

    private readonly IFileSystem _fileSystem;
    private readonly string _path;
    private EpochEntry[] _entries;

    private LeaderEpochFileCache(IFileSystem fileSystem, string directory, EpochEntry[] entries)
    {
        _fileSystem = fileSystem;
        _path = Path.Combine(directory, FileName);
        _entries = entries;
    }

    public IReadOnlyList<EpochEntry> Entries => Volatile.Read(ref _entries);

    /// <summary>The epoch of the last entry, or -1.</summary>
    public int LatestEpoch => Volatile.Read(ref _entries) is [.., var last] ? last.Epoch : UndefinedEpoch;

    /// <summary>
    /// Opens the checkpoint of a log whose batches run up to <paramref name="logEndOffset"/>. Without
    /// a readable checkpoint (a log written before this cache existed, or a file a crash tore) the
    /// cache is rebuilt from the batch headers of every segment; after an unclean shutdown
    /// (<paramref name="hadCleanShutdown"/> false) the active segment's batches are read again for
    /// epochs the last checkpoint write may have lost. Entries at or beyond the log end (written
    /// before a crash cut the tail) are dropped.
    /// </summary>
    public static LeaderEpochFileCache Load(IFileSystem fileSystem, string directory, IReadOnlyList<LogSegment> segments, long logEndOffset, bool hadCleanShutdown)
    {
        var cache = new LeaderEpochFileCache(fileSystem, directory, []);
        EpochEntry[]? entries = Read(fileSystem, cache._path);
        cache._entries = entries ?? [];
        cache.TruncateFromEnd(logEndOffset);
        IEnumerable<LogSegment> toRead = entries is null ? segments : hadCleanShutdown ? [] : segments.TakeLast(1);
        foreach (LogSegment segment in toRead)
        {
            segment.ForEachBatchFrom(segment.BaseOffset, header => cache.Assign(header.PartitionLeaderEpoch, header.BaseOffset, durable: false));
        }

        cache.Flush();
        return cache;
    }

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/> when it is newer
    /// than the latest epoch (an append in the current epoch costs one comparison). An older epoch
    /// is ignored, as Kafka ignores it: epochs only grow along a log.
    /// </summary>
    public void Assign(int epoch, long startOffset) => Assign(epoch, startOffset, durable: false);

    /// <summary>Makes the checkpoint durable (at a roll and at close).</summary>
    public void Flush() => Write(durable: true);

    private void Assign(int epoch, long startOffset, bool durable)
    {
        if (epoch <= LatestEpoch)
        {
            return;
        }

        EpochEntry[] entries = _entries;
        // A follower's entries at or after the new start are from a history the leader replaced.
        int keep = entries.Length;
        while (keep > 0 && entries[keep - 1].StartOffset >= startOffset)
        {
            keep--;
        }

        Update([.. entries[..keep], new EpochEntry(epoch, startOffset)], durable);
    }

    /// <summary>The epoch of the record at <paramref name="offset"/>: the last entry starting at or before it, or -1.</summary>
    public int EpochFor(long offset)
    {
        int epoch = UndefinedEpoch;
        foreach (EpochEntry entry in Volatile.Read(ref _entries))
        {
            if (entry.StartOffset > offset)
            {
                break;
            }

            epoch = entry.Epoch;
        }

        return epoch;
    }

    /// <summary>
    /// OffsetsForLeaderEpoch, as Kafka answers it: for the latest epoch the log end offset; for an
    /// older one, the largest known epoch at most <paramref name="requestedEpoch"/> and the start
    /// offset of the next known epoch (where the leader's log moved on: a follower truncates there);
    /// for an epoch older than every known one, that epoch and the first known start offset; for
    /// -1 or an epoch newer than every known one, (-1, -1).
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        EpochEntry[] entries = Volatile.Read(ref _entries);
        if (requestedEpoch == UndefinedEpoch)
        {
            return (UndefinedEpoch, UndefinedEpochOffset);
        }

        if (entries is [.., var latest] && latest.Epoch == requestedEpoch)
        {
            return (requestedEpoch, logEndOffset);
        }

        int higher = Array.FindIndex(entries, e => e.Epoch > requestedEpoch);
        if (higher < 0)
        {
            return (UndefinedEpoch, UndefinedEpochOffset);
        }

        return higher == 0
            ? (requestedEpoch, entries[0].StartOffset)
            : (entries[higher - 1].Epoch, entries[higher].StartOffset);
    }

    /// <summary>The log was truncated to <paramref name="logEndOffset"/>: epochs starting at or after it are forgotten.</summary>
    public void TruncateFromEnd(long logEndOffset)
    {
        EpochEntry[] entries = _entries;
        int keep = entries.Length;
        while (keep > 0 && entries[keep - 1].StartOffset >= logEndOffset)
        {
            keep--;
        }

        if (keep < entries.Length)
        {
            Update(entries[..keep], durable: true);
        }
    }

    /// <summary>The log was emptied (Kafka's clearAndFlush): no epoch is known any more.</summary>
    public void Clear() => Update([], durable: true);

    /// <summary>
    /// The log start moved to <paramref name="logStartOffset"/> (retention, DeleteRecords): epochs
    /// wholly before it are forgotten and the one it falls in now starts there, as Kafka's truncateFromStart.
    /// </summary>
    public void TruncateFromStart(long logStartOffset)
    {
        EpochEntry[] entries = _entries;
        int first = 0;
        while (first + 1 < entries.Length && entries[first + 1].StartOffset <= logStartOffset)
        {
            first++;
        }

        if (entries.Length > 0 && entries[first].StartOffset < logStartOffset)
        {
            EpochEntry[] kept = entries[first..];
            kept[0] = kept[0] with { StartOffset = logStartOffset };
            Update(kept, durable: true);
        }
    }

    private void Update(EpochEntry[] entries, bool durable)
    {
        Volatile.Write(ref _entries, entries);
        Write(durable);
    }

    private void Write(bool durable) =>
        OffsetCheckpointFile.WriteLines(_fileSystem, _path, _entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Epoch} {e.StartOffset}")), durable);

    private static EpochEntry[]? Read(IFileSystem fileSystem, string path)
    {
        if (OffsetCheckpointFile.ReadLines(fileSystem, path) is not { } lines)
        {
            return null;
        }

        var entries = new EpochEntry[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            string[] fields = lines[i].Split(' ');
            if (fields.Length != 2
                || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long startOffset)
                || (i > 0 && (epoch <= entries[i - 1].Epoch || startOffset < entries[i - 1].StartOffset)))
            {
                return null;
            }

            entries[i] = new EpochEntry(epoch, startOffset);
        }

        return entries;
    }
}
