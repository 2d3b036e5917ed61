using System.Text;

namespace KafkaCompat.Records.Tests.Legacy;

public class XxHash32Tests
{
    // Values of the reference implementation (python3-xxhash 3.x on Debian 12, xxhash.xxh32(data).intdigest()).
    [TestCase("", 0x02CC5D05u)]
    [TestCase("abc", 0x32D153FFu)]
    [TestCase("Nobody inspects the spammish repetition", 0xE2293B2Fu)]
    public void Compute_MatchesTheReferenceImplementation(string text, uint expected)
    {
        Assert.That(XxHash32.Compute(Encoding.ASCII.GetBytes(text)), Is.EqualTo(expected));
    }

    [Test]
    public void Compute_MatchesTheReferenceImplementation_OverSeveralStripes()
    {
        byte[] ascending = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        Assert.That(XxHash32.Compute(ascending), Is.EqualTo(0x7F89BA44u));
    }
}
