using System.Buffers.Binary;

namespace KafkaCompat.Records;

/// <summary>The key of a control record: int16 version (0) then int16 <see cref="ControlRecordType"/>.</summary>
public static class ControlRecord
{
    public const int KeySize = 4;

    private const short CurrentKeyVersion = 0;

    /// <exception cref="InvalidRecordException">The key is too short or has a negative version.</exception>
    public static ControlRecordType ReadType(ReadOnlySpan<byte> key)
    {
        if (key.Length < KeySize)
        {
            throw new InvalidRecordException($"Control record key is {key.Length} bytes; expected at least {KeySize}.");
        }

        short version = BinaryPrimitives.ReadInt16BigEndian(key);
        if (version < 0)
        {
            throw new InvalidRecordException($"Invalid control record key version {version}.");
        }

        // Newer key versions may append fields; the type stays where version 0 put it.
        return (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(key[2..]);
    }

    public static byte[] CreateKey(ControlRecordType type)
    {
        var key = new byte[KeySize];
        BinaryPrimitives.WriteInt16BigEndian(key, CurrentKeyVersion);
        BinaryPrimitives.WriteInt16BigEndian(key.AsSpan(2), (short)type);
        return key;
    }
}
