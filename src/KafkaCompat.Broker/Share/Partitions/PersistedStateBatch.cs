namespace KafkaCompat.Broker.Share.Partitions;

/// <summary>A run of in-flight records with one state and delivery count, as ReadShareGroupState and WriteShareGroupState carry them.</summary>
public readonly record struct PersistedStateBatch(long FirstOffset, long LastOffset, RecordState State, short DeliveryCount);
