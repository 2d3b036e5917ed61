namespace KafkaCompat.Protocol;

/// <summary>Record bytes that belong at <see cref="Position"/> of an encoded message but were not copied into it.</summary>
public readonly record struct RecordsSplice(int Position, ReadOnlyMemory<byte> Records);
