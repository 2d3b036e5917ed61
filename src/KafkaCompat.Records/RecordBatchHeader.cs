using System.Buffers.Binary;
using static KafkaCompat.Records.RecordBatchLayout;

namespace KafkaCompat.Records;

/// <summary>
/// The fixed 61-byte header of a record batch v2, read where it lies. It needs only the header, not
/// the whole batch, so the log engine can read offsets, sizes, timestamps and producer fields from
/// a read-ahead buffer or a request without copying a batch or touching its records;
/// <see cref="RecordBatch"/> reads its header through it too.
/// </summary>
public readonly ref struct RecordBatchHeader
{
    public const int Size = RecordsOffset;

    /// <summary>baseOffset and batchLength: what precedes the part the length counts.</summary>
    public const int LogOverhead = RecordBatchLayout.LogOverhead;

    public const byte CurrentMagic = RecordBatchLayout.CurrentMagic;

    private readonly ReadOnlySpan<byte> _header;

    /// <summary>Reads the header at the start of <paramref name="data"/>; a property throws when the span ends before its field.</summary>
    public RecordBatchHeader(ReadOnlySpan<byte> data)
    {
        _header = data;
    }

    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(_header);

    /// <summary>Bytes after the batchLength field; the whole batch is <see cref="SizeInBytes"/>.</summary>
    public int BatchLength => BinaryPrimitives.ReadInt32BigEndian(_header[BatchLengthOffset..]);

    /// <summary>The whole batch including baseOffset and batchLength, as declared by the length field.</summary>
    public long SizeInBytes => (long)BatchLength + LogOverhead;

    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(_header[PartitionLeaderEpochOffset..]);

    public byte Magic => _header[MagicOffset];

    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(_header[CrcOffset..]);

    public short Attributes => BinaryPrimitives.ReadInt16BigEndian(_header[AttributesOffset..]);

    /// <summary>The raw codec id (bits 0-2), which may be one of the undefined ids 5-7.</summary>
    public int CompressionCodecId => Attributes & CompressionMask;

    public TimestampType TimestampType =>
        (Attributes & TimestampTypeMask) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    public bool IsTransactional => (Attributes & TransactionalMask) != 0;

    public bool IsControl => (Attributes & ControlMask) != 0;

    /// <summary>Set by log compaction (KIP-534): <see cref="BaseTimestamp"/> then holds the delete horizon.</summary>
    public bool HasDeleteHorizon => (Attributes & DeleteHorizonMask) != 0;

    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(_header[LastOffsetDeltaOffset..]);

    public long BaseTimestamp => BinaryPrimitives.ReadInt64BigEndian(_header[BaseTimestampOffset..]);

    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(_header[MaxTimestampOffset..]);

    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(_header[ProducerIdOffset..]);

    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(_header[ProducerEpochOffset..]);

    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(_header[BaseSequenceOffset..]);

    public int RecordCount => BinaryPrimitives.ReadInt32BigEndian(_header[RecordCountOffset..]);

    public long LastOffset => BaseOffset + LastOffsetDelta;

    public long NextOffset => LastOffset + 1;

    /// <summary>A producer id of -1 means the batch was written without idempotence.</summary>
    public bool HasProducerId => ProducerId >= 0;

    /// <summary>
    /// True when the magic, length and offset delta can be those of a batch; the batch may still end
    /// past the data at hand (see <see cref="IsPlausible"/>).
    /// </summary>
    public bool IsWellFormed => Magic == CurrentMagic && BatchLength >= MinimumBatchLength && LastOffsetDelta >= 0;

    /// <summary>
    /// True when the header is well formed for a batch that must end by <paramref name="available"/>
    /// bytes (recovery uses this to tell a torn or garbage tail from a batch).
    /// </summary>
    public bool IsPlausible(long available) => IsWellFormed && SizeInBytes <= available;
}
