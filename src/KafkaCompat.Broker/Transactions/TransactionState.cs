namespace KafkaCompat.Broker.Transactions;

/// <summary>
/// Where a transactional id's transaction stands, with Kafka's ids (the byte written in
/// <c>TransactionStatus</c> of a <c>__transaction_state</c> value) and names (what
/// DescribeTransactions and ListTransactions report).
/// </summary>
public enum TransactionState : byte
{
    /// <summary>No transaction open: after InitProducerId, or after a completed one.</summary>
    Empty = 0,

    /// <summary>Partitions (or a group's offsets) have been added; EndTxn decides the outcome.</summary>
    Ongoing = 1,

    /// <summary>Commit decided and logged: the markers are being written to every partition.</summary>
    PrepareCommit = 2,

    /// <summary>Abort decided and logged (by the client, a fencing InitProducerId or the timeout): markers being written.</summary>
    PrepareAbort = 3,

    CompleteCommit = 4,

    CompleteAbort = 5,

    /// <summary>The transactional id expired; its tombstone follows.</summary>
    Dead = 6,

    /// <summary>Kafka's in-flight state while fencing a producer's epoch; never written to the log by Kafka 4.x.</summary>
    PrepareEpochFence = 7,
}

/// <summary>The transitions Kafka allows, stated once: a state may be entered only from the states listed for it.</summary>
public static class TransactionStates
{
    /// <summary>Whether <paramref name="next"/> may follow <paramref name="current"/>.</summary>
    // Empty     <- Empty, CompleteCommit, CompleteAbort           (InitProducerId)
    // Ongoing   <- Ongoing, Empty, CompleteCommit, CompleteAbort  (AddPartitionsToTxn, AddOffsetsToTxn)
    // PrepareCommit <- Ongoing                                    (EndTxn commit)
    // PrepareAbort  <- Ongoing, PrepareEpochFence, and with transaction version 2 also Empty,
    //                  CompleteCommit, CompleteAbort (a client unsure of the state may always abort)
    // CompleteCommit <- PrepareCommit; CompleteAbort <- PrepareAbort (every marker written)
    // Dead      <- Empty, CompleteCommit, CompleteAbort           (transactional id expiry)
    // PrepareEpochFence <- Ongoing                                (InitProducerId fencing an open transaction)
    public static bool CanEnterFrom(this TransactionState next, TransactionState current) => next switch
    {
        TransactionState.Empty => current is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.Ongoing => current is TransactionState.Ongoing or TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.PrepareCommit => current is TransactionState.Ongoing,
        TransactionState.PrepareAbort => current is TransactionState.Ongoing or TransactionState.PrepareEpochFence
            or TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.CompleteCommit => current is TransactionState.PrepareCommit,
        TransactionState.CompleteAbort => current is TransactionState.PrepareAbort,
        TransactionState.Dead => current is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort,
        TransactionState.PrepareEpochFence => current is TransactionState.Ongoing,
        _ => false,
    };

    /// <summary>A transactional id may expire only while no transaction is open or being completed.</summary>
    public static bool IsExpirationAllowed(this TransactionState state) =>
        state is TransactionState.Empty or TransactionState.CompleteCommit or TransactionState.CompleteAbort;

    /// <summary>Kafka's name of the state, as DescribeTransactions, ListTransactions and kafka-transactions.sh show it.</summary>
    public static string KafkaName(this TransactionState state) => state.ToString();

    /// <summary>Parses a name a ListTransactions filter carries; false for a name Kafka does not know.</summary>
    public static bool TryParseKafkaName(string name, out TransactionState state) =>
        Enum.TryParse(name, ignoreCase: false, out state) && Enum.IsDefined(state) && state.KafkaName() == name;
}
