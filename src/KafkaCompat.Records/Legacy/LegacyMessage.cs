using System.Buffers.Binary;
using static KafkaCompat.Records.LegacyMessageLayout;

namespace KafkaCompat.Records;

/// <summary>
/// A read-only view of one legacy message entry (magic 0 or 1) over the bytes it arrived in. Its
/// framing (sizes, magic, key and value lengths) is checked when the view is made; its CRC only by
/// <see cref="IsValidCrc"/>, as Kafka checks it on produce and not on every read.
/// </summary>
public readonly struct LegacyMessage
{
    private readonly ReadOnlyMemory<byte> _entry;
    private readonly int _keyLength;
    private readonly int _valueLength;

    private LegacyMessage(ReadOnlyMemory<byte> entry, int keyLength, int valueLength)
    {
        _entry = entry;
        _keyLength = keyLength;
        _valueLength = valueLength;
    }

    /// <summary>The offset the entry carries: absolute, or for an inner message of magic 1 relative to its wrapper.</summary>
    public long Offset => BinaryPrimitives.ReadInt64BigEndian(_entry.Span);

    public byte Magic => _entry.Span[MagicOffset];

    public byte Attributes => _entry.Span[AttributesOffset];

    /// <summary>The codec id of bits 0-2: non-zero on a wrapper whose value is a compressed message set.</summary>
    public int CompressionCodecId => Attributes & CompressionMask;

    public bool IsCompressed => CompressionCodecId != 0;

    public TimestampType TimestampType => Magic > 0 && (Attributes & LogAppendTimeFlag) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    /// <summary>The timestamp of a magic 1 message; magic 0 has none, which Kafka reads as NO_TIMESTAMP (-1).</summary>
    public long Timestamp => Magic == 0 ? -1 : BinaryPrimitives.ReadInt64BigEndian(_entry.Span[TimestampOffset..]);

    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(_entry.Span[CrcOffset..]);

    public bool IsKeyNull => _keyLength < 0;

    public bool IsValueNull => _valueLength < 0;

    public ReadOnlyMemory<byte>? Key => IsKeyNull ? default(ReadOnlyMemory<byte>?) : _entry.Slice(KeyOffset, _keyLength);

    public ReadOnlyMemory<byte>? Value => IsValueNull ? default(ReadOnlyMemory<byte>?) : _entry.Slice(ValueOffset, _valueLength);

    public ReadOnlySpan<byte> ValueSpan => IsValueNull ? default : _entry.Span.Slice(ValueOffset, _valueLength);

    /// <summary>The whole entry: offset, size and message.</summary>
    public ReadOnlyMemory<byte> Memory => _entry;

    /// <summary>Offset, size and message.</summary>
    public int SizeInBytes => _entry.Length;

    private int KeyOffset => KeyLengthOffset(Magic) + 4;

    private int ValueOffset => KeyOffset + Math.Max(_keyLength, 0) + 4;

    public uint ComputeCrc() => Crc32Ieee.Compute(_entry.Span[MagicOffset..]);

    public bool IsValidCrc() => ComputeCrc() == Crc;

    /// <summary>Views one whole entry (<see cref="LogOverhead"/> plus the size it declares).</summary>
    /// <exception cref="CorruptRecordException">The message is shorter than its magic's overhead, has a magic other than 0 or 1, or lengths that disagree with its size.</exception>
    internal static LegacyMessage Parse(ReadOnlyMemory<byte> entry)
    {
        ReadOnlySpan<byte> span = entry.Span;
        byte magic = span[MagicOffset];
        if (magic > 1)
        {
            throw new CorruptRecordException($"Invalid magic {magic} in a legacy message set: every message must be magic 0 or 1.");
        }

        int messageSize = entry.Length - LogOverhead;
        if (messageSize < MessageOverhead(magic))
        {
            throw new CorruptRecordException($"Message size {messageSize} is less than the magic {magic} message overhead ({MessageOverhead(magic)}).");
        }

        int position = KeyLengthOffset(magic);
        int keyLength = ReadLength(span, ref position, "key");
        int valueLength = ReadLength(span, ref position, "value");
        if (position != span.Length)
        {
            throw new CorruptRecordException($"Message size {messageSize} disagrees with its key and value lengths ({keyLength}, {valueLength}).");
        }

        return new LegacyMessage(entry, keyLength, valueLength);
    }

    private static int ReadLength(ReadOnlySpan<byte> span, ref int position, string field)
    {
        if (span.Length - position < 4)
        {
            throw new CorruptRecordException($"Message ends before its {field} length.");
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(span[position..]);
        position += 4;
        if (length < -1 || length > span.Length - position)
        {
            throw new CorruptRecordException($"Invalid {field} length {length}: {span.Length - position} bytes remain in the message.");
        }

        position += Math.Max(length, 0);
        return length;
    }
}
