using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Transactions;

// EndTxn of transaction version 2 (KIP-890 part 2, EndTxn v5+): every end of a transaction bumps the
// producer epoch, so the client's epoch tells a retry (one below the entry's) from the next call.
public sealed partial class TransactionCoordinatorShard
{
    /// <summary>
    /// EndTxn for a client of transaction version 2, with Kafka 4.x's rules:
    /// <list type="bullet">
    /// <item>Ongoing: the outcome is prepared under epoch + 1 (the markers carry it); at an exhausted epoch
    /// a next producer id is drawn, which the producer moves to (epoch 0) when the transaction completes.</item>
    /// <item>Empty, CompleteCommit, CompleteAbort at the current epoch: an abort is prepared with no partition
    /// (the client may always abort; the epoch is bumped all the same), a commit is INVALID_TXN_STATE.</item>
    /// <item>A retry (the epoch just below the entry's, or MaxValue - 1 on the producer id just rotated away)
    /// of the decision the entry holds answers None with the entry's id and epoch; of the other one,
    /// INVALID_TXN_STATE, but PRODUCER_FENCED for a commit after an abort (KAFKA-20785); while the
    /// markers are in flight, CONCURRENT_TRANSACTIONS.</item>
    /// </list>
    /// The answer carries what the completed state will hold: the same id at the bumped epoch, or the next id at 0.
    /// </summary>
    private EndTxnResult EndTransactionV2(string transactionalId, long producerId, short producerEpoch, bool commit)
    {
        if (!_transactions.TryGetValue(transactionalId, out var current))
        {
            return EndTxnResult.Classic(ErrorCode.InvalidProducerIdMapping);
        }
        var retryOnOverflow = current.PreviousProducerId == producerId && producerEpoch == short.MaxValue - 1 && current.ProducerEpoch == 0;
        var retryOnEpochBump = current.ProducerEpoch == producerEpoch + 1;
        if (current.ProducerId != producerId && !retryOnOverflow)
        {
            return EndTxnResult.Classic(ErrorCode.InvalidProducerIdMapping);
        }
        var validEpoch = current.State switch
        {
            TransactionState.PrepareCommit or TransactionState.PrepareAbort => retryOnEpochBump,
            TransactionState.CompleteCommit or TransactionState.CompleteAbort => retryOnEpochBump || retryOnOverflow || producerEpoch == current.ProducerEpoch,
            _ => producerEpoch == current.ProducerEpoch,
        };
        if (!validEpoch)
        {
            return EndTxnResult.Classic(ErrorCode.ProducerFenced);
        }
        var isRetry = retryOnEpochBump || retryOnOverflow;
        var alreadyDone = new EndTxnResult(ErrorCode.None, current.ProducerId, current.ProducerEpoch);
        return current.State switch
        {
            TransactionState.Ongoing => PrepareV2(current, commit),
            TransactionState.CompleteCommit when commit => isRetry ? alreadyDone : EndTxnResult.Classic(ErrorCode.InvalidTxnState),
            TransactionState.CompleteCommit => isRetry ? EndTxnResult.Classic(ErrorCode.InvalidTxnState) : PrepareV2(current, commit: false),
            TransactionState.CompleteAbort when !commit => isRetry ? alreadyDone : PrepareV2(current, commit: false),
            // A commit at the retry epoch of an abort comes from a producer whose transaction the
            // coordinator aborted (timeout or fence): PRODUCER_FENCED, which it recovers from, as
            // Kafka answers since KAFKA-20785 (INVALID_TXN_STATE would be fatal to it).
            TransactionState.CompleteAbort => EndTxnResult.Classic(isRetry ? ErrorCode.ProducerFenced : ErrorCode.InvalidTxnState),
            TransactionState.PrepareCommit => EndTxnResult.Classic(commit ? ErrorCode.ConcurrentTransactions : ErrorCode.InvalidTxnState),
            TransactionState.PrepareAbort => EndTxnResult.Classic(commit ? ErrorCode.InvalidTxnState : ErrorCode.ConcurrentTransactions),
            TransactionState.Empty => commit ? EndTxnResult.Classic(ErrorCode.InvalidTxnState) : PrepareV2(current, commit: false),
            _ => throw new InvalidOperationException($"Transactional id {transactionalId} is in state {current.State}, which is never kept."),
        };
    }

    private EndTxnResult PrepareV2(TransactionMetadata current, bool commit)
    {
        // Kafka draws the next producer id when the epoch this transaction ran at is already exhausted:
        // the bump to Short.MaxValue is for the markers only, the producer never holds it.
        var nextProducerId = current.ProducerEpochExhausted ? _context.NextProducerId() : TransactionMetadata.NoProducerId;
        var prepared = current.PrepareEnd(commit, TransactionMetadata.TransactionVersion2, nextProducerId, NowMs);
        var error = Prepare(prepared);
        if (error != ErrorCode.None)
        {
            return EndTxnResult.Classic(error);
        }
        var next = prepared.Complete(NowMs);
        return new EndTxnResult(ErrorCode.None, next.ProducerId, next.ProducerEpoch);
    }
}
