using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// What the cleaner knows of transactions as it walks a log in offset order (Kafka's
/// CleanedTransactionMetadata, KIP-98): the aborted transactions of the range it walks, taken from
/// the segments' <c>.txnindex</c>; which of them still had a batch before their ABORT marker; and
/// which producers had committed-transaction batches before their COMMIT marker. From that it
/// decides that an aborted transaction's batches can go, and that a marker can go once no batch of
/// its transaction is left before it (its records then refer to nothing; the delete horizon decides
/// when). An ABORT marker that stays is written into the cleaned segment's index, so the index
/// lists exactly the aborted transactions whose data a read_committed consumer may still meet.
/// </summary>
/// <remarks>
/// One instance follows a whole clean, across its groups of segments, as Kafka carries it between
/// groups: a transaction's batches and its marker may lie in different groups.
/// </remarks>
internal sealed class CleanedTransactions
{
    private readonly AbortedTxn[] _aborted;
    private readonly HashSet<long> _ongoingCommitted = [];
    private readonly Dictionary<long, OngoingAbort> _ongoingAborted = [];
    private int _nextAborted;

    private CleanedTransactions(AbortedTxn[] aborted) => _aborted = aborted;

    /// <summary>Where the ABORT markers that stay are indexed: the segment being written.</summary>
    public TransactionIndex? CleanedIndex { get; set; }

    /// <summary>
    /// The tracker for a walk of [<paramref name="startOffset"/>, <paramref name="upperBoundOffset"/>):
    /// every aborted transaction overlapping it, from the index of the segment its marker is in,
    /// which may be beyond the range (data cleaned now, marker in a later segment).
    /// </summary>
    public static CleanedTransactions For(IReadOnlyList<LogSegment> segments, long startOffset, long upperBoundOffset)
    {
        List<AbortedTxn>? found = null;
        foreach (LogSegment segment in segments)
        {
            if (segment.NextOffset > startOffset && segment.TxnIndex.CollectAbortedTxns(startOffset, upperBoundOffset, ref found))
            {
                break;
            }
        }

        return new CleanedTransactions(found is null ? [] : [.. found.OrderBy(t => t.FirstOffset)]);
    }

    /// <summary>Reads a data batch; true when it belongs to an aborted transaction, so its records can go.</summary>
    public bool OnDataBatch(RecordBatch batch)
    {
        StartAbortedUpTo(batch.LastOffset);
        if (!batch.IsTransactional)
        {
            return false;
        }

        if (_ongoingAborted.TryGetValue(batch.ProducerId, out OngoingAbort? aborted))
        {
            aborted.HasData = true;
            return true;
        }

        _ongoingCommitted.Add(batch.ProducerId);
        return false;
    }

    /// <summary>
    /// Reads a control batch; true when nothing of its transaction was read before it (or it was
    /// already emptied), so that the marker can go once its delete horizon has passed.
    /// </summary>
    /// <exception cref="InvalidRecordException">The control record's key is malformed.</exception>
    public bool OnControlBatch(RecordBatch batch)
    {
        StartAbortedUpTo(batch.LastOffset);
        if (batch.RecordCount == 0)
        {
            return true;
        }

        long producerId = batch.ProducerId;
        switch (ReadType(batch))
        {
            case ControlRecordType.Abort:
                if (_ongoingAborted.Remove(producerId, out OngoingAbort? aborted) && aborted.HasData)
                {
                    CleanedIndex?.Append(aborted.Txn);
                    return false;
                }

                return true;
            case ControlRecordType.Commit:
                return !_ongoingCommitted.Remove(producerId);
            default:
                return false;
        }
    }

    /// <summary>Aborted transactions begin where their first offset is reached; a producer has at most one at a time.</summary>
    private void StartAbortedUpTo(long offset)
    {
        while (_nextAborted < _aborted.Length && _aborted[_nextAborted].FirstOffset <= offset)
        {
            AbortedTxn txn = _aborted[_nextAborted++];
            _ongoingAborted.TryAdd(txn.ProducerId, new OngoingAbort(txn));
        }
    }

    private static ControlRecordType? ReadType(RecordBatch batch)
    {
        using RecordBatchReader records = batch.OpenRecords(maxDecompressedBytes: 64 * 1024);
        foreach (Record record in records)
        {
            return record.IsKeyNull ? throw new InvalidRecordException("Control record has a null key.") : ControlRecord.ReadType(record.KeySpan);
        }

        return null;
    }

    private sealed class OngoingAbort(AbortedTxn txn)
    {
        public AbortedTxn Txn { get; } = txn;

        /// <summary>A batch of the transaction was read before its marker (Kafka's lastObservedBatchOffset being set).</summary>
        public bool HasData { get; set; }
    }
}
