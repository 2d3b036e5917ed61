using KafkaCompat.Broker.InterNode;

namespace KafkaCompat.Broker.Tests.InterNode;

/// <summary>Kafka's reconnect backoff: doubling from reconnect.backoff.ms per failure, 20% jitter, never past reconnect.backoff.max.ms.</summary>
public class ExponentialBackoffTests
{
    [TestCase(0, 40, 60)]
    [TestCase(1, 80, 120)]
    [TestCase(2, 160, 240)]
    [TestCase(3, 320, 480)]
    [TestCase(4, 640, 1000)]
    [TestCase(5, 1000, 1000)]
    [TestCase(40, 1000, 1000)]
    public void EachFailureDoublesTheWaitWithinTwentyPercentUpToTheMaximum(int attempts, long lowest, long highest)
    {
        var random = new Random(7);
        var backoff = new ExponentialBackoff(50, 1000, random);
        var values = Enumerable.Range(0, 200).Select(_ => backoff.Next(attempts)).ToList();
        Assert.That(values, Is.All.InRange(lowest, highest));
        if (lowest < highest)
        {
            Assert.That(values.Distinct().Count(), Is.GreaterThan(1), "jittered");
        }
    }
}
