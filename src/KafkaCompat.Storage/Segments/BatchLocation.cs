namespace KafkaCompat.Storage;

/// <summary>Where a batch lies in a segment file, with the header fields lookups need.</summary>
internal readonly record struct BatchLocation(long Position, int Size, long BaseOffset, long LastOffset, long MaxTimestamp, int PartitionLeaderEpoch);
