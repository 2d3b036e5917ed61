namespace KafkaCompat.Records;

/// <summary>Byte offsets of the record batch v2 header fields (all big-endian).</summary>
internal static class RecordBatchLayout
{
    public const int BaseOffsetOffset = 0;
    public const int BatchLengthOffset = 8;
    public const int PartitionLeaderEpochOffset = 12;
    public const int MagicOffset = 16;
    public const int CrcOffset = 17;
    public const int AttributesOffset = 21;
    public const int LastOffsetDeltaOffset = 23;
    public const int BaseTimestampOffset = 27;
    public const int MaxTimestampOffset = 35;
    public const int ProducerIdOffset = 43;
    public const int ProducerEpochOffset = 51;
    public const int BaseSequenceOffset = 53;
    public const int RecordCountOffset = 57;
    public const int RecordsOffset = 61;

    /// <summary>baseOffset and batchLength: what must be read before the batch size is known.</summary>
    public const int LogOverhead = 12;

    /// <summary>The smallest valid batchLength: the header after the length field, with no records.</summary>
    public const int MinimumBatchLength = RecordsOffset - LogOverhead;

    public const byte CurrentMagic = 2;

    public const int CompressionMask = 0x07;
    public const int TimestampTypeMask = 0x08;
    public const int TransactionalMask = 0x10;
    public const int ControlMask = 0x20;
    public const int DeleteHorizonMask = 0x40;
}
