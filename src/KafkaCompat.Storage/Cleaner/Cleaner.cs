using System.Buffers;
using System.Diagnostics;
using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// Cleans one compacted log, as Kafka's Cleaner: builds the offset map (latest offset per key) over
/// the dirty part, then rewrites every rolled segment from the log start up to where the map ends,
/// in groups that fit in one segment, each group into one <c>.cleaned</c> segment that is swapped in
/// for it (<see cref="SegmentSwap"/>). Surviving records keep their offsets, so a consumer reading
/// from the beginning sees increasing offsets with gaps.
/// </summary>
internal sealed class Cleaner(OffsetMap map, int ioBufferSize, TimeProvider time)
{
    /// <summary>
    /// Cleans <paramref name="toClean"/>; returns the stats (whose end offset is the new first dirty
    /// offset) or null when the log changed under the cleaner (retention, DeleteRecords, close) and the
    /// clean was abandoned, to be tried again.
    /// </summary>
    /// <exception cref="InvalidDataException">A batch in a rolled segment is corrupt.</exception>
    /// <exception cref="OperationCanceledException">The cleaner is stopping.</exception>
    public CleanerStats? Clean(LogToClean toClean, CancellationToken cancellation)
    {
        var stopwatch = Stopwatch.StartNew();
        PartitionLog log = toClean.Log;
        LogConfig config = log.Config;
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        LogSegment[] segments = [.. log.Segments];
        long endOffset = BuildOffsetMap(segments, toClean.FirstDirtyOffset, toClean.FirstUncleanableOffset, cancellation, out long bytesRead);
        Dictionary<long, LastRecord> lastRecords = log.LastRecordsOfActiveProducers();

        var stats = new Counters { BytesRead = bytesRead };
        LogSegment[] cleanable = [.. segments[..^1].Where(s => s.BaseOffset < endOffset)];
        // From the log start: a marker may go only when no batch of its transaction is left anywhere before it.
        CleanedTransactions transactions = CleanedTransactions.For(segments, cleanable.Length == 0 ? endOffset : cleanable[0].BaseOffset, cleanable.Length == 0 ? endOffset : cleanable[^1].NextOffset);
        foreach (List<LogSegment> group in GroupBySize(cleanable, config.SegmentBytes))
        {
            cancellation.ThrowIfCancellationRequested();
            if (!CleanGroup(log, group, config, nowMs, lastRecords, transactions, stats, cancellation))
            {
                return null;
            }
        }

        return new CleanerStats(toClean.FirstDirtyOffset, endOffset, cleanable.Length, stats.BytesRead, stats.BytesWritten, stats.BatchesRead, stats.BatchesRetained, stopwatch.Elapsed);
    }

    /// <summary>
    /// Kafka's grouping: consecutive segments whose sizes add up to at most segment.bytes (and whose
    /// offsets stay within an int of the first) become one cleaned segment, so cleaning also merges
    /// the small segments it leaves behind.
    /// </summary>
    internal static List<List<LogSegment>> GroupBySize(IReadOnlyList<LogSegment> segments, int maxSize)
    {
        var groups = new List<List<LogSegment>>();
        int i = 0;
        while (i < segments.Count)
        {
            var group = new List<LogSegment> { segments[i] };
            long size = segments[i].Size;
            i++;
            while (i < segments.Count
                && size + segments[i].Size <= maxSize
                && segments[i].NextOffset - 1 - group[0].BaseOffset <= int.MaxValue)
            {
                size += segments[i].Size;
                group.Add(segments[i]);
                i++;
            }

            groups.Add(group);
        }

        return groups;
    }

    /// <summary>
    /// Puts every keyed record of [first dirty, first uncleanable) into the map, batch by batch, until
    /// the map would overflow; returns the offset it got to (the end of the cleaned range).
    /// </summary>
    private long BuildOffsetMap(LogSegment[] segments, long firstDirty, long firstUncleanable, CancellationToken cancellation, out long bytesRead)
    {
        map.Clear();
        bytesRead = 0;
        long endOffset = firstDirty;
        // Aborted batches do not go into the map: a key's latest committed value must not lose to an aborted one.
        CleanedTransactions transactions = CleanedTransactions.For(segments, firstDirty, firstUncleanable);
        for (int i = 0; i < segments.Length - 1; i++)
        {
            LogSegment segment = segments[i];
            if (segment.BaseOffset >= firstUncleanable)
            {
                break;
            }

            if (segments[i + 1].BaseOffset <= firstDirty)
            {
                continue;
            }

            cancellation.ThrowIfCancellationRequested();
            using BatchScanner scanner = segment.OpenScanner(ioBufferSize);
            ScanStatus status;
            while ((status = scanner.MoveNext(readWholeBatch: true)) == ScanStatus.Batch)
            {
                RecordBatchHeader header = scanner.Header;
                if (header.LastOffset < firstDirty)
                {
                    continue;
                }

                if (header.BaseOffset >= firstUncleanable)
                {
                    return endOffset;
                }

                RecordBatch batch = ValidBatch(scanner, segment);
                bytesRead += scanner.BatchSize;
                if (batch.IsControl)
                {
                    transactions.OnControlBatch(batch);
                }
                else if (!transactions.OnDataBatch(batch))
                {
                    if (map.Count + batch.RecordCount > map.Capacity)
                    {
                        // Full: clean up to here and take the rest next time, as Kafka does.
                        return endOffset > firstDirty ? endOffset
                            : throw new InvalidOperationException($"log.cleaner.dedupe.buffer.size holds {map.Capacity} keys, fewer than one batch of {batch.RecordCount} records.");
                    }

                    using RecordBatchReader records = batch.OpenRecords(int.MaxValue);
                    foreach (Record record in records)
                    {
                        if (!record.IsKeyNull && record.Offset >= firstDirty)
                        {
                            map.Put(record.KeySpan, record.Offset);
                        }
                    }
                }

                endOffset = header.NextOffset;
            }

            if (status != ScanStatus.End)
            {
                throw new InvalidDataException($"{segment.LogPath} has a {status} batch at byte {scanner.Position}.");
            }

            endOffset = Math.Max(endOffset, Math.Min(segments[i + 1].BaseOffset, firstUncleanable));
        }

        return endOffset;
    }

    private bool CleanGroup(PartitionLog log, List<LogSegment> group, LogConfig config, long nowMs, Dictionary<long, LastRecord> lastRecords, CleanedTransactions transactions, Counters stats, CancellationToken cancellation)
    {
        IFileSystem fileSystem = log.FileSystem;
        long baseOffset = group[0].BaseOffset;
        LogSegment cleaned = LogSegment.Create(fileSystem, log.Directory, baseOffset, config, nowMs, SegmentSwap.CleanedSuffix);
        transactions.CleanedIndex = cleaned.TxnIndex;
        try
        {
            var output = new ArrayBufferWriter<byte>(ioBufferSize);
            foreach (LogSegment segment in group)
            {
                cancellation.ThrowIfCancellationRequested();
                using BatchScanner scanner = segment.OpenScanner(ioBufferSize);
                ScanStatus status;
                while ((status = scanner.MoveNext(readWholeBatch: true)) == ScanStatus.Batch)
                {
                    RecordBatch batch = ValidBatch(scanner, segment);
                    bool isLast = LastRecord.IsLastBatchOfProducer(batch, lastRecords);
                    BatchOutcome outcome = BatchFilter.Filter(batch, map, nowMs, config.DeleteRetentionMs, isLast, transactions, output);
                    stats.BatchesRead++;
                    stats.BatchesRetained += outcome == BatchOutcome.Dropped ? 0 : 1;
                    if (output.WrittenCount >= ioBufferSize)
                    {
                        stats.BytesWritten += output.WrittenCount;
                        cleaned.Append(output.WrittenSpan, config.IndexIntervalBytes, nowMs);
                        output.ResetWrittenCount();
                    }
                }

                if (status != ScanStatus.End)
                {
                    throw new InvalidDataException($"{segment.LogPath} has a {status} batch at byte {scanner.Position}.");
                }
            }

            stats.BytesWritten += output.WrittenCount;
            cleaned.Append(output.WrittenSpan, config.IndexIntervalBytes, nowMs);
            cleaned.OnBecomeInactive();
            // Durable before the rename to .swap: from then on recovery trusts this file to replace the old ones.
            cleaned.Flush();
        }
        catch
        {
            cleaned.Dispose();
            SegmentSwap.DeleteCleaned(fileSystem, log.Directory, baseOffset);
            throw;
        }

        cleaned.Dispose();
        if (!log.ReplaceSegments(group, () => SegmentSwap.SwapIn(fileSystem, log.Directory, baseOffset, group, config, nowMs)))
        {
            SegmentSwap.DeleteCleaned(fileSystem, log.Directory, baseOffset);
            return false;
        }

        SegmentSwap.DeleteReplaced(fileSystem, log.Directory, group);
        return true;
    }

    private static RecordBatch ValidBatch(BatchScanner scanner, LogSegment segment)
    {
        var batch = new RecordBatch(scanner.Batch);
        return batch.IsValidCrc() ? batch : throw new InvalidDataException($"{segment.LogPath} has a batch with a bad CRC at byte {scanner.Position}.");
    }

    private sealed class Counters
    {
        public long BytesRead { get; set; }

        public long BytesWritten { get; set; }

        public long BatchesRead { get; set; }

        public long BatchesRetained { get; set; }
    }
}
