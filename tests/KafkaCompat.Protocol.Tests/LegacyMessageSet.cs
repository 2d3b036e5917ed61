using System.Buffers;
using System.Buffers.Binary;
using KafkaCompat.Records;

namespace KafkaCompat.Protocol.Tests;

/// <summary>
/// Reads the legacy message sets (magic 0 and 1) that old clients put in Produce v0-2, so that the
/// golden frames of those clients can be checked against what they were told to send. The protocol
/// layer keeps these bytes opaque; this reader is the test's own, independent of the broker's.
/// Layout (Kafka's message format docs): offset int64, message size int32, then the message: CRC-32
/// (IEEE) of the rest, magic int8, attributes int8 (codec in the low 3 bits), timestamp int64 in
/// magic 1 only, key and value as int32-length bytes (-1 = null). A compressed message's value is a
/// message set of the inner messages.
/// </summary>
public static class LegacyMessageSet
{
    /// <summary>The wrapper (outer) messages of the set, in order.</summary>
    public static List<LegacyMessage> ReadOuter(ReadOnlyMemory<byte> set)
    {
        var messages = new List<LegacyMessage>();
        var position = 0;
        while (position < set.Length)
        {
            var span = set.Span[position..];
            var size = BinaryPrimitives.ReadInt32BigEndian(span[8..]);
            var message = set.Slice(position + 12, size);
            position += 12 + size;
            messages.Add(ReadMessage(message));
        }
        return messages;
    }

    /// <summary>Every message of the set with compressed wrappers replaced by the messages inside them.</summary>
    public static List<LegacyMessage> ReadFlat(ReadOnlyMemory<byte> set)
    {
        var flat = new List<LegacyMessage>();
        foreach (var message in ReadOuter(set))
        {
            if (message.Compression == CompressionType.None)
            {
                flat.Add(message);
                continue;
            }
            var inner = new ArrayBufferWriter<byte>();
            CompressionCodecs.Decompress(message.Compression, message.Value!.Value.Span, inner, 16 << 20);
            flat.AddRange(ReadOuter(inner.WrittenMemory.ToArray()));
        }
        return flat;
    }

    private static LegacyMessage ReadMessage(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        var crc = BinaryPrimitives.ReadUInt32BigEndian(span);
        var magic = span[4];
        var compression = CompressionCodecs.FromId(span[5] & 0x07);
        long? timestamp = magic == 0 ? null : BinaryPrimitives.ReadInt64BigEndian(span[6..]);
        var position = magic == 0 ? 6 : 14;
        var key = ReadBytes(message, ref position);
        var value = ReadBytes(message, ref position);
        Assert.That(position, Is.EqualTo(message.Length), "nothing after the value");
        return new LegacyMessage(magic, compression, Crc32(span[4..]) == crc, timestamp, key, value);
    }

    private static ReadOnlyMemory<byte>? ReadBytes(ReadOnlyMemory<byte> message, ref int position)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(message.Span[position..]);
        position += 4;
        if (length < 0)
        {
            return null;
        }
        var bytes = message.Slice(position, length);
        position += length;
        return bytes;
    }

    // CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of magic 0/1 messages,
    // bit by bit: a handful of short test frames need no table.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
