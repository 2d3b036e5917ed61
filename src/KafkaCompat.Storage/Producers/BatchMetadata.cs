namespace KafkaCompat.Storage;

/// <summary>What the broker remembers of one of a producer's recent batches, to answer a retry with the original offsets.</summary>
public readonly record struct BatchMetadata(int FirstSequence, int LastSequence, long FirstOffset, long LastOffset, long Timestamp);
