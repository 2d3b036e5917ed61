using System.Numerics;

namespace KafkaCompat.Records;

/// <summary>
/// Zigzag varints as in protobuf, used by record fields. Reads throw <see cref="CorruptRecordException"/>
/// on truncation or when the encoding is longer than the type allows (5 bytes for int32, 10 for int64),
/// matching Kafka's ByteUtils, which likewise ignores excess high bits in the last byte.
/// </summary>
internal static class Varint
{
    public const int MaxVarintLength = 5;
    public const int MaxVarlongLength = 10;

    public static int ReadVarint(ReadOnlySpan<byte> buffer, ref int position)
    {
        uint raw = 0;
        for (int i = 0; i < MaxVarintLength; i++)
        {
            if (position >= buffer.Length)
            {
                throw new CorruptRecordException("Truncated varint.");
            }

            byte b = buffer[position++];
            raw |= (uint)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return (int)(raw >> 1) ^ -(int)(raw & 1);
            }
        }

        throw new CorruptRecordException($"Varint is longer than {MaxVarintLength} bytes.");
    }

    public static long ReadVarlong(ReadOnlySpan<byte> buffer, ref int position)
    {
        ulong raw = 0;
        for (int i = 0; i < MaxVarlongLength; i++)
        {
            if (position >= buffer.Length)
            {
                throw new CorruptRecordException("Truncated varlong.");
            }

            byte b = buffer[position++];
            raw |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return (long)(raw >> 1) ^ -(long)(raw & 1);
            }
        }

        throw new CorruptRecordException($"Varlong is longer than {MaxVarlongLength} bytes.");
    }

    public static int WriteVarint(Span<byte> buffer, int value) => WriteUnsigned(buffer, (uint)((value << 1) ^ (value >> 31)));

    public static int WriteVarlong(Span<byte> buffer, long value) => WriteUnsigned(buffer, (ulong)((value << 1) ^ (value >> 63)));

    public static int SizeOfVarint(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfVarlong(long value) => SizeOfUnsigned((ulong)((value << 1) ^ (value >> 63)));

    private static int WriteUnsigned(Span<byte> buffer, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            buffer[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[i++] = (byte)value;
        return i;
    }

    // Each byte carries 7 bits; a zero value still takes one byte.
    private static int SizeOfUnsigned(ulong value) => ((63 - BitOperations.LeadingZeroCount(value | 1)) / 7) + 1;
}
