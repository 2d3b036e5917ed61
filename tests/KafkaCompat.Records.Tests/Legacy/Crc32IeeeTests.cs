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
    public void Compute_MatchesABitAtATimeCrc_OnEveryLengthAroundTheEightByteStep()
    {
        byte[] data = TestData.RandomBytes(5000, 3160);
        foreach (int length in Enumerable.Range(0, 40).Append(4999).Append(5000))
        {
            Assert.That(Crc32Ieee.Compute(data.AsSpan(0, length)), Is.EqualTo(BitwiseCrc(data.AsSpan(0, length))), $"{length} bytes");
        }
    }

    [Test]
    public void Compute_MatchesABitAtATimeCrc_AroundEveryFoldingBoundary()
    {
        Assume.That(Crc32Ieee.IsHardwareAccelerated, Is.True, "no PCLMULQDQ here: Compute is the table path");
        byte[] data = TestData.RandomBytes(70_000, 20261203);
        var lengths = Enumerable.Range(60, 200).Concat([1023, 1024, 1025, 4096 + 15, 65_536, 70_000]);
        foreach (int length in lengths)
        {
            foreach (int start in new[] { 0, 1, 7 })
            {
                ReadOnlySpan<byte> slice = data.AsSpan(start, Math.Min(length, data.Length - start));
                Assert.That(Crc32Ieee.Compute(slice), Is.EqualTo(BitwiseCrc(slice)), $"{slice.Length} bytes from {start}");
            }
        }

        Assert.That(Crc32Ieee.ComputeSoftware(data), Is.EqualTo(BitwiseCrc(data)));
    }

    [Test]
    public void Append_ContinuesACrcAcrossPieces()
    {
        byte[] data = TestData.RandomBytes(1000, 17);
        uint crc = Crc32Ieee.Append(Crc32Ieee.Compute(data.AsSpan(0, 333)), data.AsSpan(333));
        Assert.That(crc, Is.EqualTo(BitwiseCrc(data)));
        Assert.That(crc, Is.EqualTo(Crc32Ieee.Compute(data)));
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
