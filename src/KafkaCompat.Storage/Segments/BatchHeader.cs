using System.Buffers.Binary;

namespace KafkaCompat.Storage;

/// <summary>
/// The fixed 61-byte header of a record batch v2, read where it lies. The log engine works on headers
/// only (offsets, sizes, timestamps, producer fields), never on records, so appends, reads and index
/// rebuilds cost nothing per record.
/// </summary>
internal readonly ref struct BatchHeader(ReadOnlySpan<byte> header)
{
    public const int Size = 61;

    /// <summary>baseOffset and batchLength: what precedes the part the length counts.</summary>
    public const int LogOverhead = 12;

    public const byte CurrentMagic = 2;

    private const int PartitionLeaderEpochOffset = 12;
    private const int MagicOffset = 16;
    private const int LastOffsetDeltaOffset = 23;
    private const int MaxTimestampOffset = 35;
    private const int ProducerIdOffset = 43;
    private const int ProducerEpochOffset = 51;
    private const int BaseSequenceOffset = 53;
    private const int AttributesOffset = 21;
    private const int TransactionalMask = 0x10;
    private const int ControlMask = 0x20;

    private readonly ReadOnlySpan<byte> _header = header;

    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(_header);

    public int BatchLength => BinaryPrimitives.ReadInt32BigEndian(_header[8..]);

    /// <summary>The whole batch including baseOffset and batchLength.</summary>
    public long SizeInBytes => (long)BatchLength + LogOverhead;

    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(_header[PartitionLeaderEpochOffset..]);

    public byte Magic => _header[MagicOffset];

    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(_header[LastOffsetDeltaOffset..]);

    public long LastOffset => BaseOffset + LastOffsetDelta;

    public long NextOffset => LastOffset + 1;

    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(_header[MaxTimestampOffset..]);

    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(_header[ProducerIdOffset..]);

    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(_header[ProducerEpochOffset..]);

    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(_header[BaseSequenceOffset..]);

    public bool IsTransactional => (BinaryPrimitives.ReadInt16BigEndian(_header[AttributesOffset..]) & TransactionalMask) != 0;

    public bool IsControl => (BinaryPrimitives.ReadInt16BigEndian(_header[AttributesOffset..]) & ControlMask) != 0;

    public bool HasProducerId => ProducerId >= 0;

    /// <summary>
    /// True when the magic and length are plausible for a batch that must end by <paramref name="available"/>
    /// bytes (recovery uses this to tell a torn or garbage tail from a batch).
    /// </summary>
    public bool IsPlausible(long available) =>
        Magic == CurrentMagic && BatchLength >= Size - LogOverhead && SizeInBytes <= available && LastOffsetDelta >= 0;
}
