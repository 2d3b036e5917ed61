using System.IO.Hashing;

namespace KafkaCompat.Records;

/// <summary>
/// The LZ4 frame header checksum as magic 0 messages carry it. Kafka before 0.10 hashed the frame
/// header from the magic number on, where the LZ4 frame format hashes from the FLG byte on
/// (KAFKA-3160). Kafka has kept that for magic 0 ever since: it skips the check when reading a
/// magic 0 message and writes the old checksum into one, so clients of that era read what it
/// sends. liblz4 checks the byte, so a magic 0 frame is given the correct byte before decoding
/// and the old one after encoding.
/// </summary>
internal static class Lz4LegacyFrame
{
    private const int MagicLength = 4;
    private const int FlagOffset = 4;
    private const byte ContentSizeFlag = 0x08;
    private const byte DictionaryIdFlag = 0x01;

    /// <summary>Writes the header checksum the LZ4 frame format defines, whatever the frame had.</summary>
    public static void WriteStandardChecksum(Span<byte> frame)
    {
        int checksumOffset = ChecksumOffset(frame);
        frame[checksumOffset] = HeaderChecksum(frame[FlagOffset..checksumOffset]);
    }

    /// <summary>Writes the checksum Kafka writes into magic 0 messages: over the magic number too.</summary>
    public static void WriteKafkaV0Checksum(Span<byte> frame)
    {
        int checksumOffset = ChecksumOffset(frame);
        frame[checksumOffset] = HeaderChecksum(frame[..checksumOffset]);
    }

    // The second byte of the XXH32 of the hashed bytes.
    private static byte HeaderChecksum(ReadOnlySpan<byte> hashed) => (byte)(XxHash32.HashToUInt32(hashed) >> 8);

    private static int ChecksumOffset(ReadOnlySpan<byte> frame)
    {
        if (frame.Length <= FlagOffset + 2)
        {
            throw new CorruptRecordException("Truncated LZ4 frame header.");
        }

        byte flags = frame[FlagOffset];
        int offset = MagicLength + 2 + ((flags & ContentSizeFlag) != 0 ? 8 : 0) + ((flags & DictionaryIdFlag) != 0 ? 4 : 0);
        return offset < frame.Length ? offset : throw new CorruptRecordException("Truncated LZ4 frame header.");
    }
}
