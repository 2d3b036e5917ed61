using System.Text;

namespace KafkaCompat.Records.Tests.Legacy;

public class Crc32IeeeTests
{
    // The CRC-32 catalogue's check value (Greg Cook's "Catalogue of parametrised CRC algorithms",
    // CRC-32/ISO-HDLC) and the value zlib's crc32 gives for the pangram.
    [TestCase("123456789", 0xCBF43926u)]
    [TestCase("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    [TestCase("", 0u)]
    public void Compute_MatchesPublishedValue(string text, uint expected)
    {
        Assert.That(Crc32Ieee.Compute(Encoding.ASCII.GetBytes(text)), Is.EqualTo(expected));
    }

    [Test]
    public void Compute_MatchesABitAtATimeCrc_OnShortAndLongInputs()
    {
        byte[] data = TestData.RandomBytes(5000, 3160);
        foreach (int length in Enumerable.Range(0, 80).Concat([1023, 1024, 1025, 4096 + 15, 4999, 5000]))
        {
            Assert.That(Crc32Ieee.Compute(data.AsSpan(0, length)), Is.EqualTo(BitwiseCrc(data.AsSpan(0, length))), $"{length} bytes");
        }
    }

    // The definition: reflected polynomial 0xEDB88320, register preset to all ones, result inverted.
    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
