using System.Buffers.Binary;
using System.Text;

namespace KafkaCompat.Protocol;

/// <summary>
/// Writes Kafka wire primitives into a span sized by the message's
/// <c>Size(version)</c>; running out of room means Size and Write disagree.
/// </summary>
public ref struct KafkaWriter
{
    private readonly Span<byte> _span;
    private readonly List<RecordsSplice>? _splices;
    private int _position;

    public KafkaWriter(Span<byte> destination)
    {
        _span = destination;
    }

    /// <summary>
    /// A writer that leaves record batches out of <paramref name="destination"/>: each
    /// <see cref="WriteRecords"/> writes the length prefix and adds a splice, so a response can
    /// carry log segment bytes to the socket without copying them into the frame.
    /// </summary>
    public KafkaWriter(Span<byte> destination, List<RecordsSplice> splices)
    {
        _span = destination;
        _splices = splices;
    }

    public readonly int Position => _position;

    public readonly ReadOnlySpan<byte> Written => _span[.._position];

    private Span<byte> Take(int count)
    {
        if ((uint)count > (uint)(_span.Length - _position))
        {
            throw new InvalidOperationException($"write of {count} bytes at {_position} overruns a {_span.Length}-byte buffer");
        }
        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    public void WriteBool(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;
    public void WriteInt8(sbyte value) => Take(1)[0] = (byte)value;
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Take(2), value);
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Take(4), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);
    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Take(8), value);
    public void WriteUuid(Uuid value) => value.WriteTo(Take(16));

    public void WriteUnsignedVarInt(uint value)
    {
        while (value >= 0x80)
        {
            Take(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }
        Take(1)[0] = (byte)value;
    }

    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    public void WriteString(string value, bool compact)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (compact)
        {
            WriteUnsignedVarInt((uint)length + 1);
        }
        else
        {
            WriteInt16(length <= short.MaxValue ? (short)length : throw new UnsupportedVersionException($"string of {length} bytes exceeds the 32767 a non-flexible version allows"));
        }
        Encoding.UTF8.GetBytes(value, Take(length));
    }

    public void WriteNullableString(string? value, bool compact)
    {
        if (value is not null)
        {
            WriteString(value, compact);
        }
        else if (compact)
        {
            WriteUnsignedVarInt(0);
        }
        else
        {
            WriteInt16(-1);
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool compact)
    {
        if (compact)
        {
            WriteUnsignedVarInt((uint)value.Length + 1);
        }
        else
        {
            WriteInt32(value.Length);
        }
        value.CopyTo(Take(value.Length));
    }

    public void WriteNullableBytes(ReadOnlyMemory<byte>? value, bool compact)
    {
        if (value is { } v)
        {
            WriteBytes(v.Span, compact);
        }
        else if (compact)
        {
            WriteUnsignedVarInt(0);
        }
        else
        {
            WriteInt32(-1);
        }
    }

    /// <summary>An array's element count, or -1 for null.</summary>
    public void WriteArrayLength(int count, bool compact)
    {
        if (compact)
        {
            WriteUnsignedVarInt((uint)(count + 1));
        }
        else
        {
            WriteInt32(count);
        }
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    /// <summary>A <c>records</c> field: like bytes, but spliced in rather than copied when the writer collects splices.</summary>
    public void WriteRecords(ReadOnlyMemory<byte> records, bool compact)
    {
        if (_splices is null)
        {
            WriteBytes(records.Span, compact);
            return;
        }
        if (compact)
        {
            WriteUnsignedVarInt((uint)records.Length + 1);
        }
        else
        {
            WriteInt32(records.Length);
        }
        if (!records.IsEmpty)
        {
            _splices.Add(new RecordsSplice(_position, records));
        }
    }

    public void WriteNullableRecords(ReadOnlyMemory<byte>? records, bool compact)
    {
        if (records is { } value)
        {
            WriteRecords(value, compact);
        }
        else
        {
            WriteNullableBytes(null, compact);
        }
    }
}
