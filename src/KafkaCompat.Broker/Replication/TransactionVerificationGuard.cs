namespace KafkaCompat.Broker.Replication;

/// <summary>
/// Kafka's VerificationGuard (KIP-890 part 1): the identity of one verification of a producer's
/// transaction on one partition. The partition keeps the guard it handed out until the transaction
/// opens there or a marker ends it; an append presenting any other guard (or
/// <see cref="Sentinel"/>) cannot open a transaction.
/// </summary>
public sealed class TransactionVerificationGuard
{
    /// <summary>For an append that needed no verification when it arrived: it may continue a transaction, never open one.</summary>
    public static TransactionVerificationGuard Sentinel { get; } = new();
}
