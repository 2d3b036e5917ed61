using System.Buffers.Binary;

namespace KafkaCompat.Protocol;

/// <summary>
/// Kafka's UUID: 128 bits sent as two big-endian longs, shown as URL-safe base64
/// without padding (as Kafka prints topic ids). Not <see cref="Guid"/>, whose
/// byte order differs.
/// </summary>
public readonly record struct Uuid(long MostSignificantBits, long LeastSignificantBits)
{
    public static readonly Uuid Zero = new(0, 0);

    /// <summary>Kafka reserves the all-zero id and 1 (METADATA_TOPIC_ID) for itself; random ids avoid both.</summary>
    public static Uuid NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            // Version 4, IETF variant, like java.util.UUID.randomUUID.
            bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
            bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
            var id = FromBytes(bytes);
            // Kafka also refuses ids whose base64 starts with '-', which tools would take for an option.
            if (id != Zero && id != new Uuid(0, 1) && !id.ToString().StartsWith('-'))
            {
                return id;
            }
        }
    }

    public static Uuid FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt64BigEndian(bytes[8..]));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, MostSignificantBits);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], LeastSignificantBits);
    }

    public static Uuid Parse(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/') + "==";
        Span<byte> bytes = stackalloc byte[18];
        if (text.Length != 22 || !Convert.TryFromBase64String(padded, bytes, out var written) || written != 16)
        {
            throw new FormatException($"'{text}' is not a Kafka UUID (22 characters of URL-safe base64)");
        }
        return FromBytes(bytes);
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteTo(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
