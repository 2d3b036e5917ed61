using System.Text;

namespace KafkaCompat.Records.Tests;

public class Crc32CTests
{
    // RFC 3720 (iSCSI) appendix B.4 vectors plus the classic check value.
    private static IEnumerable<TestCaseData> KnownVectors()
    {
        yield return new TestCaseData(Encoding.ASCII.GetBytes("123456789"), 0xE3069283u).SetName("check value 123456789");
        yield return new TestCaseData(new byte[32], 0x8A9136AAu).SetName("32 zero bytes");
        yield return new TestCaseData(Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43u).SetName("32 0xFF bytes");
        yield return new TestCaseData(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794Eu).SetName("ascending 0-31");
        yield return new TestCaseData(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5Cu).SetName("descending 31-0");
        yield return new TestCaseData(Array.Empty<byte>(), 0u).SetName("empty");
    }

    [TestCaseSource(nameof(KnownVectors))]
    public void Compute_MatchesKnownVector(byte[] data, uint expected)
    {
        Assert.That(Crc32C.Compute(data), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(KnownVectors))]
    public void ComputeSoftware_MatchesKnownVector(byte[] data, uint expected)
    {
        Assert.That(Crc32C.ComputeSoftware(data), Is.EqualTo(expected));
    }

    [Test]
    public void Compute_EqualsSoftware_OnRandomDataOfManyLengthsAndAlignments()
    {
        // Without a CRC instruction Compute is the software path, and this would compare it with itself.
        Assume.That(Crc32C.IsHardwareAccelerated, Is.True, "no SSE4.2 or ARMv8 CRC32 here");
        var random = new Random(20261121);
        var buffer = new byte[(3 * 8192 * 2) + 1000];
        random.NextBytes(buffer);

        // Every length around the 8-byte step and both three-stream block sizes (3x256, 3x8192).
        var lengths = Enumerable.Range(0, 100)
            .Concat(Enumerable.Range((3 * 256) - 20, 40))
            .Concat(Enumerable.Range((3 * 8192) - 20, 40))
            .Concat(Enumerable.Range(0, 60).Select(_ => random.Next(buffer.Length - 16)))
            .Append((3 * 8192 * 2) + 900);
        foreach (int length in lengths)
        {
            for (int alignment = 0; alignment < 8; alignment += 3)
            {
                ReadOnlySpan<byte> data = buffer.AsSpan(alignment, length);
                Assert.That(Crc32C.Compute(data), Is.EqualTo(Crc32C.ComputeSoftware(data)), $"length {length}, alignment {alignment}");
            }
        }
    }

    [Test]
    public void Append_OverSplitInput_EqualsComputeOverWhole()
    {
        var random = new Random(7);
        var data = new byte[100_000];
        random.NextBytes(data);
        uint whole = Crc32C.Compute(data);
        foreach (int split in new[] { 0, 1, 7, 768, 24_576, 50_001, 100_000 })
        {
            uint appended = Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split));
            uint appendedSoftware = Crc32C.AppendSoftware(Crc32C.ComputeSoftware(data.AsSpan(0, split)), data.AsSpan(split));
            Assert.That(appended, Is.EqualTo(whole), $"split at {split}");
            Assert.That(appendedSoftware, Is.EqualTo(whole), $"software, split at {split}");
        }
    }
}
