using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// What a transactional Produce or TxnOffsetCommit answers when the coordinator did not verify a
/// partition (KIP-890 part 1), as Kafka translates the AddPartitionsToTxn VerifyOnly errors for producers.
/// </summary>
public static class VerificationErrors
{
    /// <summary>The first Produce version whose producers handle TRANSACTION_ABORTABLE (KIP-890's generic abortable error).</summary>
    public const short FirstVersionWithTransactionAbortable = 11;

    /// <summary>The first TxnOffsetCommit version whose producers handle TRANSACTION_ABORTABLE.</summary>
    public const short FirstTxnOffsetCommitVersionWithTransactionAbortable = 4;

    /// <summary>
    /// PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH (what producers expect from a partition
    /// leader); TRANSACTION_ABORTABLE becomes INVALID_TXN_STATE before v11. Coordinator errors a
    /// producer would not retry on a Produce (the coordinator is loading, moved or busy ending the
    /// transaction) become NOT_ENOUGH_REPLICAS, which every producer retries without refreshing
    /// metadata.
    /// </summary>
    public static (ErrorCode Error, string Message) ForProduce(ErrorCode coordinatorError, short produceVersion)
    {
        var error = ForLeader(coordinatorError, transactionAbortableSupported: produceVersion >= FirstVersionWithTransactionAbortable);
        var message = error switch
        {
            ErrorCode.InvalidTxnState => "The partition is not part of the producer's ongoing transaction (it was not added with AddPartitionsToTxn)",
            ErrorCode.NotEnoughReplicas => $"The transaction coordinator could not confirm yet that the partition is in the producer's transaction ({coordinatorError}); retry",
            _ => $"The transaction coordinator did not verify the partition: {coordinatorError}",
        };
        return (error, message);
    }

    /// <summary>
    /// TxnOffsetCommit: the offsets partition's leader translates as for a produce (TRANSACTION_ABORTABLE
    /// kept from v4, Kafka's GENERIC_ERROR_SUPPORTED operation), then the group coordinator reports
    /// NOT_ENOUGH_REPLICAS as COORDINATOR_NOT_AVAILABLE, which a producer retries after finding the
    /// coordinator again.
    /// </summary>
    public static ErrorCode ForTxnOffsetCommit(ErrorCode coordinatorError, short version)
    {
        var error = ForLeader(coordinatorError, transactionAbortableSupported: version >= FirstTxnOffsetCommitVersionWithTransactionAbortable);
        return error == ErrorCode.NotEnoughReplicas ? ErrorCode.CoordinatorNotAvailable : error;
    }

    private static ErrorCode ForLeader(ErrorCode coordinatorError, bool transactionAbortableSupported) => coordinatorError switch
    {
        ErrorCode.ProducerFenced => ErrorCode.InvalidProducerEpoch,
        ErrorCode.TransactionAbortable when !transactionAbortableSupported => ErrorCode.InvalidTxnState,
        ErrorCode.NetworkException or ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable
            or ErrorCode.NotCoordinator or ErrorCode.ConcurrentTransactions => ErrorCode.NotEnoughReplicas,
        _ => coordinatorError,
    };
}
