using System.Text;

namespace KafkaCompat.Protocol;

/// <summary>Encoded sizes of the wire primitives, mirroring <see cref="KafkaWriter"/>.</summary>
public static class KafkaSize
{
    public static int UnsignedVarInt(uint value) => value switch
    {
        < 1u << 7 => 1,
        < 1u << 14 => 2,
        < 1u << 21 => 3,
        < 1u << 28 => 4,
        _ => 5,
    };

    public static int String(string value, bool compact)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        return (compact ? UnsignedVarInt((uint)length + 1) : 2) + length;
    }

    public static int NullableString(string? value, bool compact) =>
        value is null ? (compact ? 1 : 2) : String(value, compact);

    public static int Bytes(int length, bool compact) =>
        (compact ? UnsignedVarInt((uint)length + 1) : 4) + length;

    public static int NullableBytes(ReadOnlyMemory<byte>? value, bool compact) =>
        value is { } v ? Bytes(v.Length, compact) : (compact ? 1 : 4);

    public static int ArrayLength(int count, bool compact) =>
        compact ? UnsignedVarInt((uint)(count + 1)) : 4;
}
