using System.Buffers.Binary;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker.Coordinators;

/// <summary>
/// How every coordinator's internal topic frames its record keys and values: an int16 schema
/// version, then the message at that version (Kafka's version-prefixed bytes), so tools reading
/// the topic know which schema to use.
/// </summary>
public static class VersionPrefixed
{
    public static byte[] Serialize(IKafkaMessage message, short version)
    {
        var buffer = new byte[2 + message.Size(version)];
        BinaryPrimitives.WriteInt16BigEndian(buffer, version);
        var writer = new KafkaWriter(buffer.AsSpan(2));
        message.Write(ref writer, version);
        return buffer;
    }

    /// <summary>The version a key or value starts with.</summary>
    /// <exception cref="MalformedMessageException">Fewer than two bytes.</exception>
    public static short Version(ReadOnlyMemory<byte> bytes, string topic) =>
        bytes.Length >= 2
            ? BinaryPrimitives.ReadInt16BigEndian(bytes.Span)
            : throw new MalformedMessageException($"a {bytes.Length}-byte {topic} key or value has no version");
}
