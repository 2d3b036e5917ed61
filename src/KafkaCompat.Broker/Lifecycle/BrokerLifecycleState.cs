namespace KafkaCompat.Broker.Lifecycle;

/// <summary>
/// A broker's own view of its life (Kafka's BrokerState, KIP-631), with the value Kafka reports for it:
/// NOT_RUNNING -> STARTING (registered, catching up with the metadata log) -> RECOVERY (caught up, fenced
/// until the controller unfences it) -> RUNNING (serving) -> PENDING_CONTROLLED_SHUTDOWN (asked to shut
/// down, waiting for the controller) -> SHUTTING_DOWN.
/// </summary>
public enum BrokerLifecycleState : byte
{
    NotRunning = 0,
    Starting = 1,
    Recovery = 2,
    Running = 3,
    PendingControlledShutdown = 6,
    ShuttingDown = 7,
}
