using System.Buffers;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// The segments of one partition log, oldest first, the last one active (Kafka's LogSegments with
/// the segment work of its LocalLog): reading whole batches across segments, lookups by offset
/// and timestamp, the aborted transactions of a range (the segments' <c>.txnindex</c>), rolling,
/// deleting a prefix (retention), replacing a run (the cleaner) and truncating the tail (a
/// follower that diverged). The array is replaced, never
/// changed, so a reader keeps a consistent set; readers hold the lock shared while they read
/// files, and whatever removes or cuts segments holds it exclusively, so no read sees a file
/// closed or cut under it. The log's append lock serializes every change.
/// </summary>
internal sealed class LogSegments : IDisposable
{
    private readonly IFileSystem _fileSystem;
    private readonly string _directory;
    private readonly ReaderWriterLockSlim _lock = new();
    private LogSegment[] _segments;
    private bool _closed;

    public LogSegments(IFileSystem fileSystem, string directory, IEnumerable<LogSegment> segments)
    {
        _fileSystem = fileSystem;
        _directory = directory;
        _segments = [.. segments];
    }

    public IReadOnlyList<LogSegment> All => Volatile.Read(ref _segments);

    public int Count => All.Count;

    public LogSegment Active => Volatile.Read(ref _segments)[^1];

    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>Bytes in all segments (DescribeLogDirs, retention.bytes).</summary>
    public long Size
    {
        get
        {
            long size = 0;
            foreach (LogSegment segment in Volatile.Read(ref _segments))
            {
                size += segment.Size;
            }

            return size;
        }
    }

    /// <summary>Takes the lock shared, as a reader of segment files; throws once the log is closed.</summary>
    public void EnterRead()
    {
        _lock.EnterReadLock();
        if (_closed)
        {
            _lock.ExitReadLock();
            throw new ObjectDisposedException(nameof(PartitionLog), $"The log in {_directory} is closed.");
        }
    }

    public void ExitRead() => _lock.ExitReadLock();

    /// <summary>
    /// Whole stored batches from the one holding <paramref name="fetchOffset"/>, up to
    /// <paramref name="maxBytes"/> (the first batch even when larger, if <paramref name="minOneBatch"/>),
    /// none reaching <paramref name="limit"/>, read with one read per segment into a pooled buffer
    /// that the caller returns, with the offset after the last batch returned. Null when there is nothing to return. The caller holds the shared
    /// lock (<see cref="EnterRead"/>) from before it reads the offsets it bounds the read by: a
    /// cleaner swap in between could otherwise leave only records beyond an older log end.
    /// </summary>
    public (byte[] Buffer, int Length, long NextOffset)? Read(long fetchOffset, int maxBytes, long limit, bool minOneBatch)
    {
        LogSegment[] segments = _segments;
        int index = FloorSegment(segments, fetchOffset);
        BatchLocation? start = null;
        for (; index < segments.Length && start is null; index++)
        {
            start = segments[index].TranslateOffset(fetchOffset);
        }

        index--;
        if (start is not { } first || first.LastOffset >= limit || (!minOneBatch && first.Size > maxBytes))
        {
            return null;
        }

        long budget = minOneBatch ? Math.Max(maxBytes, first.Size) : maxBytes;
        long available = 0;
        for (int i = index; i < segments.Length && available < budget && (i == index || segments[i].BaseOffset < limit); i++)
        {
            available += segments[i].Size - (i == index ? first.Position : 0);
        }

        int toRead = (int)Math.Min(budget, available);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(toRead);
        int filled = 0;
        for (int i = index; i < segments.Length && filled < toRead && (i == index || segments[i].BaseOffset < limit); i++)
        {
            long from = i == index ? first.Position : 0;
            long inSegment = segments[i].Size - from;
            int read = segments[i].Read(from, buffer.AsSpan(filled, (int)Math.Min(toRead - filled, inSegment)));
            filled += read;
            if (read < inSegment)
            {
                break;
            }
        }

        (int length, long nextOffset) = WholeBatchesBelow(buffer.AsSpan(0, filled), limit);
        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }

        return (buffer, length, nextOffset);
    }

    /// <summary>
    /// The aborted transactions overlapping [<paramref name="fetchOffset"/>, <paramref name="upperBoundOffset"/>),
    /// from the segment holding <paramref name="fetchOffset"/> on, until an entry shows no later
    /// one can overlap (Kafka's collectAbortedTransactions); null when there is none. The caller
    /// holds the shared lock.
    /// </summary>
    public List<AbortedTxn>? CollectAbortedTxns(long fetchOffset, long upperBoundOffset)
    {
        LogSegment[] segments = _segments;
        List<AbortedTxn>? found = null;
        for (int i = FloorSegment(segments, fetchOffset); i < segments.Length; i++)
        {
            if (segments[i].TxnIndex.CollectAbortedTxns(fetchOffset, upperBoundOffset, ref found))
            {
                break;
            }
        }

        return found;
    }

    /// <summary>The first record at or after <paramref name="logStartOffset"/> whose timestamp is at least <paramref name="timestamp"/>.</summary>
    public TimestampAndOffset? OffsetForTimestamp(long timestamp, long logStartOffset)
    {
        EnterRead();
        try
        {
            foreach (LogSegment segment in _segments)
            {
                if (segment.MaxTimestamp >= timestamp && segment.NextOffset > logStartOffset)
                {
                    return segment.FindOffsetByTimestamp(timestamp, logStartOffset);
                }
            }

            return null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The record with the largest timestamp (the first one, when several share it).</summary>
    public TimestampAndOffset? MaxTimestampOffset()
    {
        EnterRead();
        try
        {
            LogSegment? best = null;
            foreach (LogSegment segment in _segments)
            {
                if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.MaxTimestamp))
                {
                    best = segment;
                }
            }

            return best?.FindMaxTimestampRecord();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Starts a new active segment at <paramref name="baseOffset"/>; the caller made the old one durable first.</summary>
    public LogSegment Roll(long baseOffset, LogConfig config, long nowMs)
    {
        LogSegment segment = LogSegment.Create(_fileSystem, _directory, baseOffset, config, nowMs);
        Volatile.Write(ref _segments, [.. _segments, segment]);
        return segment;
    }

    /// <summary>
    /// Removes the first <paramref name="count"/> segments (never the active one) and deletes their
    /// files once no reader can be reading them.
    /// </summary>
    public void DeletePrefix(int count)
    {
        LogSegment[] segments = _segments;
        count = Math.Min(count, segments.Length - 1);
        if (count <= 0)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            Volatile.Write(ref _segments, segments[count..]);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        foreach (LogSegment segment in segments[..count])
        {
            segment.Delete();
        }
    }

    /// <summary>
    /// Replaces the consecutive rolled segments <paramref name="replaced"/> by the one
    /// <paramref name="swapIn"/> opens, with readers held off. False (nothing done) when they are no
    /// longer consecutive rolled segments of this log.
    /// </summary>
    public bool Replace(IReadOnlyList<LogSegment> replaced, Func<LogSegment> swapIn)
    {
        LogSegment[] segments = _segments;
        int start = Array.IndexOf(segments, replaced[0]);
        if (_closed || start < 0 || start + replaced.Count >= segments.Length
            || !segments.AsSpan(start, replaced.Count).SequenceEqual(replaced.ToArray()))
        {
            return false;
        }

        _lock.EnterWriteLock();
        try
        {
            LogSegment cleaned = swapIn();
            Volatile.Write(ref _segments, [.. segments[..start], cleaned, .. segments[(start + replaced.Count)..]]);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        return true;
    }

    /// <summary>
    /// Removes every batch whose last offset is at least <paramref name="offset"/>: segments that
    /// start at or after it are deleted, newest first, then the one holding it is cut (and becomes
    /// the active segment) and fsynced. A crash at any step leaves a prefix of the old log that
    /// holds every record below <paramref name="offset"/>, never a log with a hole. When
    /// <paramref name="offset"/> is below the first segment, everything goes and an empty segment
    /// starts at <paramref name="offset"/>. Returns the new log end offset, which is below
    /// <paramref name="offset"/> when a batch straddled it (segments keep whole batches).
    /// </summary>
    public long TruncateTo(long offset, LogConfig config, long nowMs)
    {
        LogSegment[] segments = _segments;
        int keep = segments.Length;
        while (keep > 0 && segments[keep - 1].BaseOffset >= offset)
        {
            keep--;
        }

        _lock.EnterWriteLock();
        try
        {
            for (int i = segments.Length - 1; i >= keep; i--)
            {
                segments[i].Delete();
            }

            LogSegment[] kept = keep == 0
                ? [LogSegment.Create(_fileSystem, _directory, offset, config, nowMs)]
                : segments[..keep];
            Volatile.Write(ref _segments, kept);
            kept[^1].TruncateTo(offset);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        LogSegment active = Active;
        active.Flush();
        return active.NextOffset;
    }

    /// <summary>
    /// Deletes every segment and starts an empty one at <paramref name="offset"/>, which may lie
    /// beyond the old log end (Kafka's truncateFullyAndStartAt), with readers held off.
    /// </summary>
    public void TruncateFullyAndStartAt(long offset, LogConfig config, long nowMs)
    {
        LogSegment[] segments = _segments;
        _lock.EnterWriteLock();
        try
        {
            foreach (LogSegment segment in segments)
            {
                segment.Delete();
            }

            Volatile.Write(ref _segments, [LogSegment.Create(_fileSystem, _directory, offset, config, nowMs)]);
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        Active.Flush();
    }

    /// <summary>Makes the segments holding offsets at or after <paramref name="from"/> durable, and the active one always.</summary>
    public void FlushFrom(long from)
    {
        _lock.EnterReadLock();
        try
        {
            LogSegment[] segments = _segments;
            foreach (LogSegment segment in segments)
            {
                if (segment.NextOffset > from || segment == segments[^1])
                {
                    segment.Flush();
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Closes every segment file; readers after this find the log closed.</summary>
    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_closed)
            {
                return;
            }

            foreach (LogSegment segment in _segments)
            {
                segment.Dispose();
            }

            Volatile.Write(ref _closed, true);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private static int FloorSegment(LogSegment[] segments, long offset)
    {
        int low = 0;
        int high = segments.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (segments[middle].BaseOffset <= offset)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return Math.Max(0, high);
    }

    /// <summary>The length of the leading whole batches whose last offset is below <paramref name="limit"/>, and the offset after them.</summary>
    private static (int Length, long NextOffset) WholeBatchesBelow(ReadOnlySpan<byte> data, long limit)
    {
        int position = 0;
        long nextOffset = -1;
        while (data.Length - position >= RecordBatchHeader.Size)
        {
            var header = new RecordBatchHeader(data[position..]);
            if (header.SizeInBytes > data.Length - position || header.LastOffset >= limit)
            {
                break;
            }

            position += (int)header.SizeInBytes;
            nextOffset = header.NextOffset;
        }

        return (position, nextOffset);
    }
}
