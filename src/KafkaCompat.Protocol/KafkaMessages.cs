namespace KafkaCompat.Protocol;

/// <summary>Whole-buffer conveniences over the generated Read/Write/Size.</summary>
public static class KafkaMessages
{
    public static byte[] Serialize(this IKafkaMessage message, short version)
    {
        var buffer = new byte[message.Size(version)];
        var writer = new KafkaWriter(buffer);
        message.Write(ref writer, version);
        if (writer.Position != buffer.Length)
        {
            throw new InvalidOperationException($"{message.GetType().Name} v{version}: Size() said {buffer.Length} bytes, Write() wrote {writer.Position}");
        }
        return buffer;
    }

    /// <summary>Reads a message that must fill <paramref name="buffer"/> exactly.</summary>
    public static T Deserialize<T>(ReadOnlyMemory<byte> buffer, short version) where T : IKafkaMessage, new()
    {
        var reader = new KafkaReader(buffer);
        var message = new T();
        message.Read(ref reader, version);
        if (reader.Remaining != 0)
        {
            throw new MalformedMessageException($"{typeof(T).Name} v{version}: {reader.Remaining} bytes left after the message");
        }
        return message;
    }
}
