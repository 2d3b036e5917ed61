namespace KafkaCompat.Broker.Handlers;

/// <summary>
/// What FindCoordinator (key type 1) and InitProducerId say to a transactional producer until the
/// transaction coordinator exists. Kafka has no error code for "transactions are not available":
/// a coordinator that never appears is COORDINATOR_NOT_AVAILABLE, which every client retries until
/// its own timeout. So the broker answers as Kafka does when no principal may use any transactional
/// id, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients treat as fatal at once, and the message
/// (shown by librdkafka and kafkajs) says why.
/// </summary>
public static class TransactionsNotServed
{
    public const string Message = "transactions are not supported by this broker yet: no transactional.id can be used (idempotent producers without one are served)";
}
