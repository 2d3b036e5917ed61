namespace KafkaCompat.Broker.Groups.Consumer;

/// <summary>
/// When a consumer group's subscribed topics must be looked at again (Kafka's metadata refresh
/// deadline): at <see cref="DeadlineMs"/>, or as soon as the group epoch is no longer
/// <see cref="Epoch"/>. Soft state, never stored: a loaded group starts expired, and a metadata
/// change to a topic the group subscribes to expires it (<see cref="Expired"/>).
/// </summary>
public readonly record struct MetadataRefreshDeadline(long DeadlineMs, int Epoch)
{
    public static MetadataRefreshDeadline Expired { get; } = new(0, 0);

    public bool HasExpired(long nowMs, int groupEpoch) => nowMs >= DeadlineMs || groupEpoch < Epoch;
}
