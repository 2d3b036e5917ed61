namespace KafkaCompat.Storage;

/// <summary>
/// One producer the partition remembers, as DescribeProducers reports it (KIP-664): its epoch, the
/// last sequence it wrote in that epoch (-1 when none), the timestamp of its last write or marker,
/// the epoch of the coordinator that wrote its last marker (-1 when none) and the first offset of
/// its ongoing transaction here (-1 when none).
/// </summary>
public readonly record struct ActiveProducer(long ProducerId, short ProducerEpoch, int LastSequence, long LastTimestamp, int CoordinatorEpoch, long CurrentTxnStartOffset);
