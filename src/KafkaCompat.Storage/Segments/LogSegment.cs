using System.Globalization;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// One segment of a partition log: <c>&lt;base offset&gt;.log</c> holding batches exactly as they
/// were appended, with its sparse <c>.index</c> and <c>.timeindex</c>, and the <c>.txnindex</c> of the
/// transactions aborted by a marker in it (<see cref="TransactionIndex"/>). Only the partition's
/// appender mutates a segment; readers use positional reads bounded by offsets the log published.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    public const string LogExtension = ".log";
    public const string IndexExtension = ".index";
    public const string TimeIndexExtension = ".timeindex";
    public const string TxnIndexExtension = ".txnindex";

    /// <summary>Every file of a segment, the log last: loading goes by the log file, so it is renamed or deleted after the others.</summary>
    public static readonly string[] Extensions = [IndexExtension, TimeIndexExtension, TxnIndexExtension, LogExtension];

    private readonly IFileSystem _fileSystem;
    private readonly string _directory;
    private readonly ILogFile _log;
    private readonly OffsetIndex _offsetIndex;
    private readonly TimeIndex _timeIndex;
    private TransactionIndex _txnIndex;
    private readonly long _createdMs;
    private readonly long _rollJitterMs;
    private readonly string _fileSuffix;
    private long _nextOffset;
    private long _maxTimestamp = -1;
    private long _offsetOfMaxTimestamp = -1;
    private long _rollingBaseTimestamp = -1;
    private long _bytesSinceLastIndexEntry;

    private LogSegment(IFileSystem fileSystem, string directory, long baseOffset, ILogFile log, OffsetIndex offsetIndex, TimeIndex timeIndex, long nowMs, long rollJitterMs, string fileSuffix = "")
    {
        _fileSuffix = fileSuffix;
        _fileSystem = fileSystem;
        _directory = directory;
        BaseOffset = baseOffset;
        _log = log;
        _offsetIndex = offsetIndex;
        _timeIndex = timeIndex;
        _txnIndex = TransactionIndex.Empty(fileSystem, PathFor(directory, baseOffset, TxnIndexExtension) + fileSuffix, baseOffset);
        _createdMs = nowMs;
        _rollJitterMs = rollJitterMs;
        _nextOffset = baseOffset;
        LastModifiedMs = nowMs;
    }

    public long BaseOffset { get; }

    /// <summary>The offset after the last batch; <see cref="BaseOffset"/> when empty.</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    public long Size => _log.Length;

    public bool IsEmpty => Size == 0;

    /// <summary>The largest batch max timestamp, or -1.</summary>
    public long MaxTimestamp => Volatile.Read(ref _maxTimestamp);

    /// <summary>The last offset of the first batch that reached <see cref="MaxTimestamp"/>.</summary>
    public long OffsetOfMaxTimestamp => Volatile.Read(ref _offsetOfMaxTimestamp);

    /// <summary>What retention.ms compares with: the max timestamp, or the last write time when batches have none (as Kafka).</summary>
    public long LargestTimestamp => MaxTimestamp >= 0 ? MaxTimestamp : LastModifiedMs;

    public long LastModifiedMs { get; private set; }

    internal string LogPath => _log.Path;

    internal string IndexPath => PathFor(_directory, BaseOffset, IndexExtension) + _fileSuffix;

    internal string TimeIndexPath => PathFor(_directory, BaseOffset, TimeIndexExtension) + _fileSuffix;

    internal string TxnIndexPath => _txnIndex.Path;

    /// <summary>The aborted transactions whose markers are in this segment.</summary>
    internal TransactionIndex TxnIndex => _txnIndex;

    /// <summary>The max timestamp of the first batch, or -1: what max.compaction.lag.ms is measured from (KIP-354).</summary>
    internal long FirstBatchTimestamp => _rollingBaseTimestamp;

    public static string FileName(long baseOffset, string extension) =>
        baseOffset.ToString("D20", CultureInfo.InvariantCulture) + extension;

    public static string PathFor(string directory, long baseOffset, string extension) =>
        Path.Combine(directory, FileName(baseOffset, extension));

    /// <summary>Parses a 20-digit file name stem such as the one of "00000000000000001234.log".</summary>
    public static bool TryParseBaseOffset(string fileName, string extension, out long baseOffset)
    {
        baseOffset = -1;
        return fileName.EndsWith(extension, StringComparison.Ordinal)
            && fileName.Length == 20 + extension.Length
            && long.TryParse(fileName.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }

    /// <summary>
    /// Creates an empty segment, replacing stale files of the same name. A <paramref name="fileSuffix"/>
    /// (such as the cleaner's ".cleaned") names files that are not part of the log yet.
    /// </summary>
    public static LogSegment Create(IFileSystem fileSystem, string directory, long baseOffset, LogConfig config, long nowMs, string fileSuffix = "")
    {
        foreach (string extension in Extensions)
        {
            string path = PathFor(directory, baseOffset, extension) + fileSuffix;
            if (fileSystem.FileExists(path))
            {
                fileSystem.DeleteFile(path);
            }
        }

        ILogFile log = fileSystem.Open(PathFor(directory, baseOffset, LogExtension) + fileSuffix, create: true);
        OffsetIndex offsetIndex = OffsetIndex.Open(fileSystem, PathFor(directory, baseOffset, IndexExtension) + fileSuffix, baseOffset, config.SegmentIndexBytes, 0, out _);
        TimeIndex timeIndex = TimeIndex.Open(fileSystem, PathFor(directory, baseOffset, TimeIndexExtension) + fileSuffix, baseOffset, config.SegmentIndexBytes, baseOffset, out _);
        return new LogSegment(fileSystem, directory, baseOffset, log, offsetIndex, timeIndex, nowMs, RollJitter(config), fileSuffix);
    }

    /// <summary>
    /// Opens an existing segment. With <paramref name="recover"/> (after an unclean shutdown) every
    /// batch is checked (length, CRC) and the indexes are rebuilt; otherwise the indexes are trusted
    /// when they pass a sanity check and rebuilt when they do not (or are missing).
    /// </summary>
    public static LogSegment Open(IFileSystem fileSystem, string directory, long baseOffset, LogConfig config, long nowMs, bool recover, out SegmentLoadInfo info)
    {
        ILogFile log = fileSystem.Open(PathFor(directory, baseOffset, LogExtension), create: false);
        long logSize = log.Length;
        // A missing index must be rebuilt even though an empty one would pass the checks.
        bool indexesExist = fileSystem.FileExists(PathFor(directory, baseOffset, IndexExtension))
            && fileSystem.FileExists(PathFor(directory, baseOffset, TimeIndexExtension));
        OffsetIndex offsetIndex = OffsetIndex.Open(fileSystem, PathFor(directory, baseOffset, IndexExtension), baseOffset, config.SegmentIndexBytes, logSize, out bool offsetIndexValid);

        // The next offset is needed to check the time index; scan what follows the last index entry.
        long nextOffset = baseOffset;
        bool tailClean = false;
        long scanFrom = 0;
        if (offsetIndexValid && !recover)
        {
            scanFrom = offsetIndex.LastEntry?.Position ?? 0;
            (tailClean, nextOffset) = ScanTail(log, scanFrom, logSize, baseOffset);
        }

        TimeIndex timeIndex = TimeIndex.Open(fileSystem, PathFor(directory, baseOffset, TimeIndexExtension), baseOffset, config.SegmentIndexBytes, nextOffset, out bool timeIndexValid);
        var segment = new LogSegment(fileSystem, directory, baseOffset, log, offsetIndex, timeIndex, nowMs, RollJitter(config));
        // A non-empty segment always has a time index entry once closed, unless no batch has a timestamp.
        bool timeIndexEmpty = timeIndex.Count == 0 && logSize > 0;
        if (recover || !indexesExist || !offsetIndexValid || !timeIndexValid || !tailClean || timeIndexEmpty)
        {
            long truncated = segment.Recover(config.IndexIntervalBytes);
            segment.OpenTxnIndex();
            info = new SegmentLoadInfo(Recovered: true, TruncatedBytes: truncated);
            return segment;
        }

        segment._nextOffset = nextOffset;
        if (timeIndex.LastEntry is { } last)
        {
            segment._maxTimestamp = last.Timestamp;
            segment._offsetOfMaxTimestamp = last.Offset;
        }

        segment._bytesSinceLastIndexEntry = logSize - scanFrom;
        segment._rollingBaseTimestamp = segment.ReadFirstBatchMaxTimestamp();
        segment.OpenTxnIndex();
        info = new SegmentLoadInfo(Recovered: false, TruncatedBytes: 0);
        return segment;
    }

    /// <summary>
    /// Rebuilds the indexes by walking every batch and checking its framing and CRC, and truncates
    /// the file at the first torn or corrupt batch. Returns the number of bytes cut.
    /// </summary>
    public long Recover(int indexIntervalBytes)
    {
        _offsetIndex.Reset();
        _timeIndex.Reset();
        _nextOffset = BaseOffset;
        _maxTimestamp = -1;
        _offsetOfMaxTimestamp = -1;
        _rollingBaseTimestamp = -1;
        _bytesSinceLastIndexEntry = 0;

        long length = _log.Length;
        long validEnd = 0;
        using (var scanner = new BatchScanner(_log, 0, length, 64 * 1024))
        {
            while (scanner.MoveNext(readWholeBatch: true) == ScanStatus.Batch)
            {
                RecordBatchHeader header = scanner.Header;
                if (header.BaseOffset < _nextOffset || !new RecordBatch(scanner.Batch).IsValidCrc())
                {
                    break;
                }

                IndexBatch(header.BaseOffset, header.LastOffset, header.MaxTimestamp, scanner.Position, scanner.BatchSize, indexIntervalBytes);
                validEnd = scanner.NextPosition;
            }
        }

        _log.Truncate(validEnd);
        return length - validEnd;
    }

    /// <summary>
    /// Appends batches whose offsets are already assigned, with one write, then indexes them from
    /// their headers (in memory, no record is touched). For the cleaner, whose batches nobody analysed.
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches, int indexIntervalBytes, long nowMs)
    {
        long physicalPosition = _log.Length;
        _log.Append(batches);
        int position = 0;
        while (position < batches.Length)
        {
            var header = new RecordBatchHeader(batches[position..]);
            int size = (int)header.SizeInBytes;
            IndexBatch(header.BaseOffset, header.LastOffset, header.MaxTimestamp, physicalPosition + position, size, indexIntervalBytes);
            position += size;
        }

        LastModifiedMs = nowMs;
    }

    /// <summary>
    /// Appends the batches of an analysed append, given offsets from <paramref name="firstOffset"/>,
    /// with one write, and indexes them from <paramref name="info"/> without reading a header;
    /// <paramref name="logAppendTime"/> (else -1) is their max timestamp on a LogAppendTime topic.
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches, in LogAppendInfo info, long firstOffset, long logAppendTime, int indexIntervalBytes, long nowMs)
    {
        long physicalPosition = _log.Length;
        _log.Append(batches);
        for (int i = 0; i < info.BatchCount; i++)
        {
            BatchInfo batch = info[i];
            long baseOffset = firstOffset + batch.RelativeOffset;
            IndexBatch(baseOffset, baseOffset + batch.LastOffsetDelta, logAppendTime >= 0 ? logAppendTime : batch.MaxTimestamp, physicalPosition + batch.Position, batch.Size, indexIntervalBytes);
        }

        LastModifiedMs = nowMs;
    }

    /// <summary>
    /// Removes every batch whose last offset is at least <paramref name="offset"/> from the file and
    /// both indexes, and recomputes what the segment knows of itself (next offset, max timestamp and
    /// its offset) from what is left: the last time index entry that survives, then the few batches
    /// after the last surviving offset index entry. A batch holding <paramref name="offset"/> goes
    /// whole (the segment keeps whole batches), so the segment may end before <paramref name="offset"/>.
    /// Returns the bytes removed.
    /// </summary>
    public long TruncateTo(long offset)
    {
        if (offset >= NextOffset || TranslateOffset(offset) is not { } first)
        {
            return 0;
        }

        long removed = Size - first.Position;
        _log.Truncate(first.Position);
        _offsetIndex.TruncateTo(first.BaseOffset);
        _timeIndex.TruncateTo(first.BaseOffset);
        _txnIndex.TruncateTo(first.BaseOffset);
        (long timestamp, long offsetOfTimestamp) = _timeIndex.LastEntry ?? (-1, -1);
        _maxTimestamp = timestamp;
        _offsetOfMaxTimestamp = offsetOfTimestamp;
        long scanFrom = _offsetIndex.LastEntry?.Position ?? 0;
        _nextOffset = BaseOffset;
        _rollingBaseTimestamp = first.Position == 0 ? -1 : _rollingBaseTimestamp;
        using (var scanner = new BatchScanner(_log, scanFrom, first.Position, 64 * 1024))
        {
            while (scanner.MoveNext() == ScanStatus.Batch)
            {
                RecordBatchHeader header = scanner.Header;
                if (header.MaxTimestamp > _maxTimestamp)
                {
                    _maxTimestamp = header.MaxTimestamp;
                    _offsetOfMaxTimestamp = header.LastOffset;
                }

                _nextOffset = header.NextOffset;
            }
        }

        _bytesSinceLastIndexEntry = first.Position - scanFrom;
        return removed;
    }

    /// <summary>Kafka's roll rules: size, age (segment.ms minus jitter), full indexes, relative offset overflow.</summary>
    public bool ShouldRoll(long messagesSize, long maxTimestampInMessages, long maxOffsetInMessages, long nowMs, LogConfig config)
    {
        long size = Size;
        // Kafka measures age from the first batch's timestamp when it has one, else from creation.
        long waited = _rollingBaseTimestamp >= 0 ? maxTimestampInMessages - _rollingBaseTimestamp : nowMs - _createdMs;
        return size > config.SegmentBytes - messagesSize
            || (size > 0 && waited > config.MaxSegmentMs - _rollJitterMs)
            || _offsetIndex.IsFull
            || _timeIndex.IsFull
            || maxOffsetInMessages - BaseOffset > int.MaxValue;
    }

    /// <summary>
    /// The first batch whose last offset is at least <paramref name="offset"/>, found from the
    /// largest index entry at or below it; null when the segment has none (below <paramref name="endPosition"/>).
    /// </summary>
    public BatchLocation? TranslateOffset(long offset, long endPosition = -1)
    {
        long end = endPosition < 0 ? Size : endPosition;
        int start = _offsetIndex.Lookup(offset).Position;
        using var scanner = new BatchScanner(_log, start, end, 8 * 1024);
        while (scanner.MoveNext() == ScanStatus.Batch)
        {
            RecordBatchHeader header = scanner.Header;
            if (header.LastOffset >= offset)
            {
                return Locate(scanner);
            }
        }

        return null;
    }

    /// <summary>
    /// The first record at or after <paramref name="startingOffset"/> whose timestamp is at least
    /// <paramref name="timestamp"/>: the time index narrows the search to a batch, whose records are then read.
    /// </summary>
    public TimestampAndOffset? FindOffsetByTimestamp(long timestamp, long startingOffset)
    {
        (_, long indexedOffset) = _timeIndex.Lookup(timestamp);
        int start = _offsetIndex.Lookup(Math.Max(indexedOffset, startingOffset)).Position;
        using var scanner = new BatchScanner(_log, start, Size, 8 * 1024);
        while (scanner.MoveNext() == ScanStatus.Batch)
        {
            RecordBatchHeader header = scanner.Header;
            if (header.MaxTimestamp >= timestamp && header.LastOffset >= startingOffset)
            {
                return FindRecord(scanner.Position, scanner.BatchSize, r => r.Timestamp >= timestamp && r.Offset >= startingOffset);
            }
        }

        return null;
    }

    /// <summary>The record holding <see cref="MaxTimestamp"/> (ListOffsets MAX_TIMESTAMP, KIP-734).</summary>
    public TimestampAndOffset? FindMaxTimestampRecord()
    {
        long maxTimestamp = MaxTimestamp;
        if (maxTimestamp < 0 || TranslateOffset(OffsetOfMaxTimestamp) is not { } location)
        {
            return null;
        }

        return FindRecord(location.Position, location.Size, r => r.Timestamp == maxTimestamp);
    }

    public int Read(long position, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = _log.Read(position + total, destination[total..]);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>A scan of the whole segment, for the log cleaner, which reads every batch in order.</summary>
    public BatchScanner OpenScanner(int bufferSize) => new(_log, 0, Size, bufferSize);

    /// <summary>Visits the whole batches whose last offset is at least <paramref name="fromOffset"/> (replaying the producer state).</summary>
    public void ForEachWholeBatchFrom(long fromOffset, Action<ReadOnlyMemory<byte>> visitor)
    {
        int start = _offsetIndex.Lookup(fromOffset).Position;
        using var scanner = new BatchScanner(_log, start, Size, 64 * 1024);
        while (scanner.MoveNext(readWholeBatch: true) == ScanStatus.Batch)
        {
            if (scanner.Header.LastOffset >= fromOffset)
            {
                visitor(scanner.Batch);
            }
        }
    }

    /// <summary>Visits the headers of the batches whose last offset is at least <paramref name="fromOffset"/>.</summary>
    public void ForEachBatchFrom(long fromOffset, BatchVisitor visitor)
    {
        int start = _offsetIndex.Lookup(fromOffset).Position;
        using var scanner = new BatchScanner(_log, start, Size, 64 * 1024);
        while (scanner.MoveNext() == ScanStatus.Batch)
        {
            RecordBatchHeader header = scanner.Header;
            if (header.LastOffset >= fromOffset)
            {
                visitor(header);
            }
        }
    }

    /// <summary>Kafka writes a final time index entry when a segment stops being active, so its last entry is the max timestamp.</summary>
    public void OnBecomeInactive()
    {
        if (_maxTimestamp >= 0)
        {
            _timeIndex.MaybeAppend(_maxTimestamp, _offsetOfMaxTimestamp);
        }
    }

    public void Flush()
    {
        _log.Flush();
        _offsetIndex.Flush();
        _timeIndex.Flush();
        _txnIndex.Flush();
    }

    public void Dispose()
    {
        _log.Dispose();
        _offsetIndex.Dispose();
        _timeIndex.Dispose();
        _txnIndex.Dispose();
    }

    /// <summary>Closes the files and deletes them.</summary>
    public void Delete()
    {
        Dispose();
        foreach (string path in (string[])[LogPath, IndexPath, TimeIndexPath, TxnIndexPath])
        {
            if (_fileSystem.FileExists(path))
            {
                _fileSystem.DeleteFile(path);
            }
        }
    }

    /// <summary>
    /// Loads the <c>.txnindex</c> once the segment's end is known, keeping only entries whose
    /// marker the segment still holds; the producer state replay re-adds what a crash lost.
    /// </summary>
    private void OpenTxnIndex() =>
        _txnIndex = TransactionIndex.Open(_fileSystem, PathFor(_directory, BaseOffset, TxnIndexExtension), BaseOffset, NextOffset, out _);

    private static long RollJitter(LogConfig config) =>
        config.SegmentJitterMs > 0 ? Random.Shared.NextInt64(Math.Min(config.SegmentJitterMs, config.SegmentMs)) : 0;

    /// <summary>Walks headers from a trusted position; false when the tail is torn (the shutdown was not clean after all).</summary>
    private static (bool Clean, long NextOffset) ScanTail(ILogFile log, long from, long end, long baseOffset)
    {
        long nextOffset = baseOffset;
        using var scanner = new BatchScanner(log, from, end, 64 * 1024);
        ScanStatus status;
        while ((status = scanner.MoveNext()) == ScanStatus.Batch)
        {
            nextOffset = scanner.Header.NextOffset;
        }

        return (status == ScanStatus.End, nextOffset);
    }

    private static BatchLocation Locate(BatchScanner scanner)
    {
        RecordBatchHeader header = scanner.Header;
        return new BatchLocation(scanner.Position, scanner.BatchSize, header.BaseOffset, header.LastOffset, header.MaxTimestamp, header.PartitionLeaderEpoch);
    }

    private TimestampAndOffset? FindRecord(long position, int size, Func<Record, bool> match)
    {
        byte[] buffer = new byte[size];
        if (Read(position, buffer) != size)
        {
            return null;
        }

        var batch = new RecordBatch(buffer);
        using RecordBatchReader records = batch.OpenRecords(int.MaxValue);
        foreach (Record record in records)
        {
            if (match(record))
            {
                return new TimestampAndOffset(record.Timestamp, record.Offset, batch.PartitionLeaderEpoch);
            }
        }

        return null;
    }

    private long ReadFirstBatchMaxTimestamp()
    {
        using var scanner = new BatchScanner(_log, 0, Size, RecordBatchHeader.Size);
        return scanner.MoveNext() == ScanStatus.Batch ? scanner.Header.MaxTimestamp : -1;
    }

    private void IndexBatch(long baseOffset, long lastOffset, long maxTimestamp, long position, int size, int indexIntervalBytes)
    {
        if (maxTimestamp > _maxTimestamp)
        {
            Volatile.Write(ref _maxTimestamp, maxTimestamp);
            Volatile.Write(ref _offsetOfMaxTimestamp, lastOffset);
        }

        if (position == 0)
        {
            _rollingBaseTimestamp = maxTimestamp;
        }

        // As Kafka: an entry once more than index.interval.bytes were appended since the last one.
        if (_bytesSinceLastIndexEntry > indexIntervalBytes && !_offsetIndex.IsFull && !_timeIndex.IsFull)
        {
            _offsetIndex.Append(baseOffset, (int)position);
            _timeIndex.MaybeAppend(_maxTimestamp, _offsetOfMaxTimestamp);
            _bytesSinceLastIndexEntry = 0;
        }

        _bytesSinceLastIndexEntry += size;
        Volatile.Write(ref _nextOffset, lastOffset + 1);
    }
}

/// <summary>What opening a segment found.</summary>
internal readonly record struct SegmentLoadInfo(bool Recovered, long TruncatedBytes);

internal delegate void BatchVisitor(RecordBatchHeader header);
