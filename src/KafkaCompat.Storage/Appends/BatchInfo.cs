using KafkaCompat.Records;

namespace KafkaCompat.Storage;

/// <summary>
/// One batch of an append as its header was read, once, before the append: where it lies in the
/// appended bytes, the offsets it takes (<see cref="LastOffsetDelta"/> + 1, its record count once
/// validated) and where they start relative to the append's first offset, its max timestamp, and
/// its producer fields. The log assigns offsets, indexes the batch and updates the producer state
/// from these, without parsing the header again.
/// </summary>
public readonly record struct BatchInfo(
    int Position,
    int Size,
    long RelativeOffset,
    int LastOffsetDelta,
    long MaxTimestamp,
    long ProducerId,
    short ProducerEpoch,
    int BaseSequence,
    short Attributes)
{
    // The v2 attribute bits (Kafka's record batch format): codec in bits 0-2, transactional bit 4, control bit 5.
    private const int CompressionCodecMask = 0x07;
    private const int TransactionalMask = 0x10;
    private const int ControlMask = 0x20;

    internal static BatchInfo Read(RecordBatchHeader header, int position, int size, long relativeOffset) =>
        new(position, size, relativeOffset, header.LastOffsetDelta, header.MaxTimestamp,
            header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.Attributes);

    public long OffsetCount => LastOffsetDelta + 1L;

    public bool HasProducerId => ProducerId >= 0;

    public bool IsTransactional => (Attributes & TransactionalMask) != 0;

    public bool IsControl => (Attributes & ControlMask) != 0;

    public int CompressionCodecId => Attributes & CompressionCodecMask;

    /// <summary>The sequence of the batch's last record, wrapping at Int32.MaxValue as Kafka does.</summary>
    public int LastSequence => ProducerStateManager.IncrementSequence(BaseSequence, LastOffsetDelta);

    /// <summary>Idempotent producers' data batches are what the producer state tracks (not control markers).</summary>
    internal bool IsTrackedByProducerState => HasProducerId && !IsControl;
}
