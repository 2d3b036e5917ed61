using System.Buffers.Binary;
using static KafkaCompat.Records.LegacyMessageLayout;

namespace KafkaCompat.Records;

/// <summary>Writes legacy message entries (magic 0 or 1) with their CRC-32.</summary>
public static class LegacyMessageWriter
{
    /// <summary>
    /// Writes one entry into <paramref name="destination"/>, which must hold
    /// <see cref="LegacyMessageLayout.EntrySize"/> bytes, and returns its size. Magic 0 has no
    /// timestamp: <paramref name="timestamp"/> is then ignored and so is the timestamp type bit.
    /// </summary>
    public static int Write(Span<byte> destination, long offset, byte magic, byte attributes, long timestamp, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(magic, (byte)1);
        int keyLength = keyIsNull ? -1 : key.Length;
        int valueLength = valueIsNull ? -1 : value.Length;
        int size = EntrySize(magic, keyLength, valueLength);
        Span<byte> entry = destination[..size];
        BinaryPrimitives.WriteInt64BigEndian(entry, offset);
        BinaryPrimitives.WriteInt32BigEndian(entry[SizeOffset..], size - LogOverhead);
        entry[MagicOffset] = magic;
        entry[AttributesOffset] = magic == 0 ? (byte)(attributes & CompressionMask) : attributes;
        int position = KeyLengthOffset(magic);
        if (magic > 0)
        {
            BinaryPrimitives.WriteInt64BigEndian(entry[TimestampOffset..], timestamp);
        }

        position = WriteBytes(entry, position, key, keyLength);
        WriteBytes(entry, position, value, valueLength);
        BinaryPrimitives.WriteUInt32BigEndian(entry[CrcOffset..], Crc32Ieee.Compute(entry[MagicOffset..]));
        return size;
    }

    private static int WriteBytes(Span<byte> entry, int position, ReadOnlySpan<byte> bytes, int length)
    {
        BinaryPrimitives.WriteInt32BigEndian(entry[position..], length);
        position += 4;
        bytes.CopyTo(entry[position..]);
        return position + Math.Max(length, 0);
    }
}
