namespace KafkaCompat.Broker.Metadata;

/// <summary>
/// Where the controller has a broker (Kafka's BrokerControlState): what a heartbeat's answer says of
/// it. FENCED (registered, not serving) -> UNFENCED once caught up -> CONTROLLED_SHUTDOWN while its
/// leaderships move away -> SHUTDOWN_NOW; a wish to fence, or a shutdown wish while nothing needs
/// moving, goes straight to FENCED or SHUTDOWN_NOW.
/// </summary>
public enum BrokerControlState
{
    Fenced,
    Unfenced,
    ControlledShutdown,
    ShutdownNow,
}
