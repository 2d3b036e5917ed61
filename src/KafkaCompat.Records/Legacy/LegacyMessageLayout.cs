namespace KafkaCompat.Records;

/// <summary>
/// Where the fields of a legacy message (magic 0 and 1, Kafka before 0.11) sit, counted from the
/// start of its log entry: offset int64, message size int32, then the message: crc int32 (CRC-32
/// of everything after it), magic int8, attributes int8, timestamp int64 (magic 1 only), key and
/// value as int32-length-prefixed bytes (-1 for null).
/// </summary>
public static class LegacyMessageLayout
{
    public const int OffsetOffset = 0;
    public const int SizeOffset = 8;

    /// <summary>Offset and message size: the bytes of an entry before its message.</summary>
    public const int LogOverhead = 12;

    public const int CrcOffset = LogOverhead;
    public const int MagicOffset = CrcOffset + 4;
    public const int AttributesOffset = MagicOffset + 1;
    public const int TimestampOffset = AttributesOffset + 1;

    /// <summary>A magic 0 message without key and value: crc, magic, attributes and the two lengths.</summary>
    public const int MessageOverheadV0 = 4 + 1 + 1 + 4 + 4;

    /// <summary>A magic 1 message without key and value: magic 0's overhead plus the timestamp.</summary>
    public const int MessageOverheadV1 = MessageOverheadV0 + 8;

    /// <summary>Attribute bits 0-2: the codec of a wrapper message's value.</summary>
    public const byte CompressionMask = 0x07;

    /// <summary>Attribute bit 3 (magic 1): the timestamp is the broker's append time.</summary>
    public const byte LogAppendTimeFlag = 0x08;

    public static int MessageOverhead(byte magic) => magic == 0 ? MessageOverheadV0 : MessageOverheadV1;

    public static int KeyLengthOffset(byte magic) => magic == 0 ? TimestampOffset : TimestampOffset + 8;

    /// <summary>The whole entry (offset, size and message) for a key and value of these lengths, -1 meaning null.</summary>
    public static int EntrySize(byte magic, int keyLength, int valueLength) =>
        LogOverhead + MessageOverhead(magic) + Math.Max(keyLength, 0) + Math.Max(valueLength, 0);
}
