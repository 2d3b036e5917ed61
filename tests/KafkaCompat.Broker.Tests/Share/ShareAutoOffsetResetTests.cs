using KafkaCompat.Broker.Share;

namespace KafkaCompat.Broker.Tests.Share;

/// <summary>share.auto.offset.reset's values as Kafka's group config validator accepts them (KIP-932, by_duration from KIP-1106).</summary>
public sealed class ShareAutoOffsetResetTests
{
    [TestCase("latest", ShareAutoOffsetResetKind.Latest, 0)]
    [TestCase("EARLIEST", ShareAutoOffsetResetKind.Earliest, 0)]
    [TestCase("by_duration:PT1H30M", ShareAutoOffsetResetKind.ByDuration, 5_400_000)]
    [TestCase("by_duration:P1DT0.5S", ShareAutoOffsetResetKind.ByDuration, 86_400_500)]
    public void KafkasFormsAreRead(string value, ShareAutoOffsetResetKind kind, long durationMs)
    {
        var reset = ShareAutoOffsetReset.Parse(value);

        Assert.That(reset, Is.EqualTo(new ShareAutoOffsetReset(kind, TimeSpan.FromMilliseconds(durationMs))));
    }

    [TestCase("none")]
    [TestCase("by_duration:")]
    [TestCase("by_duration:-PT1H")]
    [TestCase("by_duration:1h")]
    public void AnythingElseIsRefused(string value) => Assert.That(ShareAutoOffsetReset.Parse(value), Is.Null);
}
