using System.Buffers.Binary;
using System.Text;

namespace KafkaCompat.Protocol;

/// <summary>
/// Reads Kafka wire primitives from a buffer. Bytes and records come back as
/// slices of the input (never copies), so the input must outlive what is read.
/// Every length read from the wire is checked against what is left before it
/// is trusted, so hostile input cannot make it read out of bounds or allocate
/// more than the buffer holds.
/// </summary>
public ref struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
    }

    public readonly int Position => _position;
    public readonly int Remaining => _span.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw new MalformedMessageException($"truncated: needed {count} bytes at offset {_position}, {Remaining} left");
        }
        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    public bool ReadBool() => Take(1)[0] != 0;
    public sbyte ReadInt8() => (sbyte)Take(1)[0];
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));
    public Uuid ReadUuid() => Uuid.FromBytes(Take(16));

    /// <summary>An unsigned LEB128 varint of at most 5 bytes that fits 32 bits.</summary>
    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            if (shift == 28 && b > 0x0f)
            {
                throw new MalformedMessageException($"varint overflows 32 bits at offset {_position - 1}");
            }
            value |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new MalformedMessageException($"varint longer than 5 bytes at offset {_position}");
    }

    /// <summary>An unsigned varint used as a count or size: must fit a non-negative int.</summary>
    public int ReadUnsignedVarIntAsLength()
    {
        var value = ReadUnsignedVarInt();
        return value <= int.MaxValue ? (int)value : throw new MalformedMessageException($"length {value} is too large");
    }

    /// <summary>Zigzag-encoded signed varint (record format).</summary>
    public int ReadVarInt()
    {
        var raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    private int ReadLength(bool compact, string what)
    {
        if (compact)
        {
            return (int)((long)ReadUnsignedVarInt() - 1);
        }
        return what == "string" ? ReadInt16() : ReadInt32();
    }

    public string ReadString(bool compact) =>
        ReadNullableString(compact) ?? throw new MalformedMessageException($"null string at offset {_position} where a value is required");

    public string? ReadNullableString(bool compact)
    {
        var length = ReadLength(compact, "string");
        if (length < 0)
        {
            return length == -1 ? null : throw new MalformedMessageException($"negative string length {length}");
        }
        return Encoding.UTF8.GetString(Take(length));
    }

    public ReadOnlyMemory<byte> ReadBytes(bool compact) =>
        ReadNullableBytes(compact) ?? throw new MalformedMessageException($"null bytes at offset {_position} where a value is required");

    public ReadOnlyMemory<byte>? ReadNullableBytes(bool compact)
    {
        var length = ReadLength(compact, "bytes");
        if (length < 0)
        {
            return length == -1 ? null : throw new MalformedMessageException($"negative bytes length {length}");
        }
        return ReadRawBytes(length);
    }

    /// <summary>An array's element count, or -1 for null. Each element takes at least a byte, so a count above what is left is malformed.</summary>
    public int ReadArrayLength(bool compact)
    {
        var count = ReadLength(compact, "array");
        if (count < -1)
        {
            throw new MalformedMessageException($"negative array length {count}");
        }
        if (count > Remaining)
        {
            throw new MalformedMessageException($"array length {count} exceeds the {Remaining} bytes left");
        }
        return count;
    }

    public ReadOnlyMemory<byte> ReadRawBytes(int count)
    {
        Take(count);
        return _memory.Slice(_position - count, count);
    }

    public void Skip(int count) => Take(count);

    /// <summary>A tagged field's value must fill exactly the size its header announced.</summary>
    public readonly void EnsureConsumed(int start, int expected, string field)
    {
        if (_position - start != expected)
        {
            throw new MalformedMessageException($"tagged field {field} announced {expected} bytes but held {_position - start}");
        }
    }
}
