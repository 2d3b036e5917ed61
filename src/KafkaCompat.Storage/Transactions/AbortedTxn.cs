namespace KafkaCompat.Storage;

/// <summary>
/// One entry of a segment's <c>.txnindex</c> (Kafka's AbortedTxn, KIP-98): the producer whose
/// transaction was aborted, its first data offset, the offset of its ABORT marker, and the last
/// stable offset right after the marker was written. A read_committed Fetch returns the producer
/// id and first offset of every such transaction overlapping the fetched range; the consumer drops
/// that producer's records from the first offset until it meets the marker.
/// </summary>
public readonly record struct AbortedTxn(long ProducerId, long FirstOffset, long LastOffset, long LastStableOffset);
